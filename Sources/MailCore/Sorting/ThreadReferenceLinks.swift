/// Step (1) of THREAD=REFERENCES (RFC 5256 §4): parent/child links built
/// from each message's references, with dummy nodes for referenced IDs
/// that no message in the set has.
///
/// Nodes are numbered: 0..<messageCount are the messages in the order
/// given (ascending id), the rest are dummies. Links are index arrays, so
/// nothing recurses however deep a chain is.
struct ThreadReferenceLinks {
    let messageCount: Int
    /// The parent of each node, or -1.
    private(set) var parent: [Int]
    private(set) var firstChild: [Int]
    private(set) var nextSibling: [Int]
    private var previousSibling: [Int]
    /// Work spent on loop checks: each is a walk up from the new parent
    /// and a walk down from the new child, in step, which ends when either
    /// ends, so it costs at most twice the shorter one.
    private(set) var loopCheckSteps = 0
    /// Once the loop checks have cost this much (hostile input only),
    /// links that would need another check are not made: refusing a link
    /// never makes a loop, it only leaves a message at the top.
    let loopCheckBudget: Int
    private var queue: [Int] = []

    var nodeCount: Int { parent.count }

    func isDummy(_ node: Int) -> Bool { node >= messageCount }

    /// Links `messages` (already in ascending id order).
    init(_ messages: [SortableMessage]) {
        messageCount = messages.count
        parent = Array(repeating: -1, count: messages.count)
        firstChild = parent
        nextSibling = parent
        previousSibling = parent
        loopCheckBudget = 1_000_000 + 200 * messages.count

        // A message without a valid Message-ID, or whose ID an earlier
        // (lower sequence number) message already has, gets a unique ID:
        // here, no entry in the table (§4 step (1)(A)).
        var nodeForID: [[UInt8]: Int] = [:]
        nodeForID.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            if let id = MessageIDList.first(in: message.messageID), nodeForID[id] == nil {
                nodeForID[id] = index
            }
        }
        for (index, message) in messages.enumerated() {
            var previous = -1
            for reference in MessageIDList.references(references: message.references, inReplyTo: message.inReplyTo) {
                let node: Int
                if let known = nodeForID[reference] {
                    node = known
                } else {
                    // No message has this ID: a dummy, used for every later
                    // reference to it.
                    node = addDummy()
                    nodeForID[reference] = node
                }
                if previous >= 0 { linkReference(parent: previous, child: node) }
                previous = node
            }
            linkToLastReference(message: index, lastReference: previous)
        }
    }

    /// (1)(A): the first reference is the parent of the second, and so on;
    /// a node that already has a parent keeps it (the References field
    /// may have been truncated), and no link that would make a loop is made.
    private mutating func linkReference(parent newParent: Int, child: Int) {
        guard parent[child] < 0, !wouldLoop(parent: newParent, child: child) else { return }
        attach(child, to: newParent)
    }

    /// (1)(B): the message becomes a child of its last reference, breaking
    /// the link it already has (which came from another message's
    /// truncated References); without references it has no parent. Again
    /// no link that would make a loop.
    private mutating func linkToLastReference(message: Int, lastReference: Int) {
        guard parent[message] != lastReference else { return }
        if parent[message] >= 0 { detach(message) }
        if lastReference >= 0 && !wouldLoop(parent: lastReference, child: message) {
            attach(message, to: lastReference)
        }
    }

    /// True when making `child` (which has no parent) a child of
    /// `newParent` would make a loop: `newParent` is `child` or one of its
    /// descendants. Also true when the loop-check budget is spent.
    private mutating func wouldLoop(parent newParent: Int, child: Int) -> Bool {
        if newParent == child { return true }
        if firstChild[child] < 0 { return false }
        var up = newParent
        queue.removeAll(keepingCapacity: true)
        var queueHead = 0
        var down = firstChild[child]
        while loopCheckSteps < loopCheckBudget {
            loopCheckSteps += 1
            // One step up from the new parent towards its root.
            up = parent[up]
            if up == child { return true }
            if up < 0 { return false }
            // One node further in a breadth-first walk of child's subtree.
            while down < 0 {
                guard queueHead < queue.count else { return false }
                down = firstChild[queue[queueHead]]
                queueHead += 1
            }
            if down == newParent { return true }
            queue.append(down)
            down = nextSibling[down]
        }
        return true
    }

    private mutating func addDummy() -> Int {
        parent.append(-1)
        firstChild.append(-1)
        nextSibling.append(-1)
        previousSibling.append(-1)
        return parent.count - 1
    }

    private mutating func attach(_ child: Int, to newParent: Int) {
        parent[child] = newParent
        let oldFirst = firstChild[newParent]
        nextSibling[child] = oldFirst
        previousSibling[child] = -1
        if oldFirst >= 0 { previousSibling[oldFirst] = child }
        firstChild[newParent] = child
    }

    private mutating func detach(_ child: Int) {
        let oldParent = parent[child]
        guard oldParent >= 0 else { return }
        let previous = previousSibling[child], next = nextSibling[child]
        if previous >= 0 { nextSibling[previous] = next } else { firstChild[oldParent] = next }
        if next >= 0 { previousSibling[next] = previous }
        parent[child] = -1
        nextSibling[child] = -1
        previousSibling[child] = -1
    }

    /// The children of `node`, in no particular order (they are sorted later).
    func children(of node: Int) -> [Int] {
        var result: [Int] = []
        var child = firstChild[node]
        while child >= 0 {
            result.append(child)
            child = nextSibling[child]
        }
        return result
    }
}
