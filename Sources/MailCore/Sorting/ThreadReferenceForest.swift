/// Steps (2) to (6) of THREAD=REFERENCES (RFC 5256 §4) over the links of
/// step (1): the root set, dummies pruned, roots sorted, threads of one
/// base subject gathered, siblings sorted. Node numbers are those of
/// `ThreadReferenceLinks`; dummies made by step (5) are added after them.
struct ReferenceThreadForest {
    let facts: ThreadMessageFacts
    /// The children of every node after pruning.
    private var children: [[Int]]
    /// The top-level nodes (children of the root), in step (4) order once
    /// `sortRoots` ran.
    private(set) var roots: [Int] = []

    private func isDummy(_ node: Int) -> Bool { node >= facts.count }

    /// (2) The nodes without a parent are the roots. (3) Dummies are
    /// pruned: a message's parent becomes its nearest ancestor that is a
    /// message, or the top-level dummy of its thread when there is none
    /// (the children of a dummy are promoted, but not to the root level).
    /// A top-level dummy left with no children is dropped; with one child,
    /// the child takes its place.
    init(links: ThreadReferenceLinks, facts: ThreadMessageFacts) {
        self.facts = facts
        children = Array(repeating: [], count: links.nodeCount)
        // Top-down (breadth-first) order, so a parent's anchor is known
        // before its children's.
        var order: [Int] = []
        order.reserveCapacity(links.nodeCount)
        for node in 0..<links.nodeCount where links.parent[node] < 0 { order.append(node) }
        var head = 0
        while head < order.count {
            var child = links.firstChild[order[head]]
            while child >= 0 {
                order.append(child)
                child = links.nextSibling[child]
            }
            head += 1
        }
        // The node that the children of each node hang from after pruning.
        var anchor = Array(0..<links.nodeCount)
        var topLevel: [Int] = []
        for node in order {
            let parent = links.parent[node]
            if parent < 0 {
                topLevel.append(node)
            } else if links.isDummy(node) {
                anchor[node] = anchor[parent]
            } else {
                children[anchor[parent]].append(node)
            }
        }
        for node in topLevel {
            guard isDummy(node) else {
                roots.append(node)
                continue
            }
            switch children[node].count {
            case 0: break
            case 1: roots.append(children[node][0])
            default: roots.append(node)
            }
        }
    }

    /// (4) Sort the roots by sent date; a dummy by its oldest child (its
    /// children are sorted first).
    mutating func sortRoots() {
        for root in roots where isDummy(root) { sortChildren(of: root) }
        roots.sort(by: sortsBefore)
    }

    /// (5) Gather the top-level threads that have the same base subject.
    mutating func gatherSubjects() {
        // (A), (B): one entry per base subject; a dummy is preferred to a
        // message, and a message that is not a reply or forward to one that is.
        var subjects: [Int: (key: [UInt8], isReply: Bool)] = [:]
        var table: [[UInt8]: Int] = [:]
        for root in roots {
            // (i) The subject of the root, or of its oldest child for a dummy.
            let message = isDummy(root) ? children[root].first : root
            guard let message else { continue }
            let subject = facts.baseSubject(message)
            // (ii) An empty base subject takes no part.
            guard !subject.comparisonKey.isEmpty else { continue }
            subjects[root] = (subject.comparisonKey, subject.isReplyOrForward)
            guard let current = table[subject.comparisonKey] else {
                table[subject.comparisonKey] = root
                continue
            }
            if !isDummy(current),
               isDummy(root) || (subjects[current]?.isReply == true && !subject.isReplyOrForward) {
                table[subject.comparisonKey] = root
            }
        }
        // (C) Merge each root with the one in the table for its subject.
        var isRoot = Array(repeating: false, count: children.count)
        for root in roots { isRoot[root] = true }
        var added: [Int] = []
        for root in roots {
            guard isRoot[root], let subject = subjects[root], let other = table[subject.key], other != root else {
                continue
            }
            if isDummy(root) && isDummy(other) {
                // Both dummies: the children of both become siblings.
                children[other].append(contentsOf: children[root])
                children[root] = []
                isRoot[root] = false
            } else if isDummy(other) || (subject.isReply && subjects[other]?.isReply != true) {
                // Into a dummy, or a reply under the original.
                children[other].append(root)
                isRoot[root] = false
            } else if isDummy(root) {
                // Not reached: a dummy of a subject always wins the table (B).
                children[root].append(other)
                isRoot[other] = false
                table[subject.key] = root
            } else {
                // A new dummy holds both and takes the table entry.
                let dummy = children.count
                children.append([other, root])
                isRoot.append(true)
                isRoot[other] = false
                isRoot[root] = false
                added.append(dummy)
                table[subject.key] = dummy
            }
        }
        roots = (roots + added).filter { isRoot[$0] }
    }

    /// (6) Every set of siblings sorted by sent date (the top level too,
    /// dummies by their oldest child), then the result as `ThreadNode`s.
    mutating func threadNodes() -> [ThreadNode] {
        for node in children.indices where children[node].count > 1 { sortChildren(of: node) }
        roots.sort(by: sortsBefore)
        return ThreadTreeBuilder.build(roots: roots, children: children) { node in
            node < facts.count ? facts.id(node) : nil
        }
    }

    private mutating func sortChildren(of node: Int) {
        children[node].sort(by: sortsBefore)
    }

    /// Sent-date order (a dummy by its first child), equal dates by
    /// sequence number.
    private func sortsBefore(_ a: Int, _ b: Int) -> Bool {
        facts.sortsBefore(representative(a), representative(b))
    }

    private func representative(_ node: Int) -> Int {
        isDummy(node) ? (children[node].first ?? 0) : node
    }
}

/// Turns a forest given as child lists into `ThreadNode`s, bottom-up and
/// without recursion.
enum ThreadTreeBuilder {
    static func build(roots: [Int], children: [[Int]], id: (Int) -> UInt32?) -> [ThreadNode] {
        // Depth-first order from the roots; a node is built after its children.
        var order: [Int] = []
        var visited = Array(repeating: false, count: children.count)
        var pending = roots.reversed().filter { $0 < children.count }
        while let node = pending.popLast() {
            guard !visited[node] else { continue }
            visited[node] = true
            order.append(node)
            pending.append(contentsOf: children[node].reversed().filter { $0 < children.count && !visited[$0] })
        }
        var built = [ThreadNode?](repeating: nil, count: children.count)
        for node in order.reversed() {
            let kids = children[node].compactMap { child -> ThreadNode? in
                defer { built[child] = nil }
                return built[child]
            }
            built[node] = ThreadNode(id: id(node), children: kids)
        }
        return roots.compactMap { root in built[root] }
    }
}
