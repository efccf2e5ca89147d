/// One message of a THREAD result (RFC 5256 §4) with its replies, or a
/// dummy (a message that is not in the result, `id` nil) holding sibling
/// threads together. A result is a list of top-level nodes.
///
/// A reply chain can be 100,000 messages deep, so nothing here recurses:
/// equality, `description` and freeing a tree all work with explicit stacks.
public struct ThreadNode: Sendable, Equatable, CustomStringConvertible {
    /// The message's id (sequence number or UID, as the `SortableMessage`
    /// had it); nil for a dummy.
    public var id: UInt32?
    /// The replies, oldest first (RFC 5256 §4 step (6)); held in a
    /// copy-on-write box that frees deep trees without recursion.
    fileprivate var box: ThreadChildren?

    public init(id: UInt32?, children: [ThreadNode] = []) {
        self.id = id
        box = children.isEmpty ? nil : ThreadChildren(children)
    }

    public var children: [ThreadNode] {
        get { box?.nodes ?? [] }
        set {
            if newValue.isEmpty {
                box = nil
            } else if isKnownUniquelyReferenced(&box), let box {
                box.nodes = newValue
            } else {
                box = ThreadChildren(newValue)
            }
        }
    }

    /// True for a dummy: a node that stands for no message.
    public var isDummy: Bool { id == nil }

    public static func == (lhs: ThreadNode, rhs: ThreadNode) -> Bool {
        var pending: [(ThreadNode, ThreadNode)] = [(lhs, rhs)]
        while let (left, right) = pending.popLast() {
            guard left.id == right.id else { return false }
            if left.box === right.box { continue }
            let leftChildren = left.children, rightChildren = right.children
            guard leftChildren.count == rightChildren.count else { return false }
            pending.append(contentsOf: zip(leftChildren, rightChildren))
        }
        return true
    }

    /// The thread in RFC 5256 notation, e.g. `(3 6 (4 23)(44 7 96))`:
    /// a message is followed by its only reply, or by its replies each in
    /// parentheses; a dummy is its children in parentheses, `((3)(5))`.
    public var description: String {
        Self.notation([self])
    }

    /// A whole THREAD result in RFC 5256 notation: each top-level thread in
    /// parentheses, e.g. `(2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4, the
    /// thread-list of the THREAD response, §5).
    public static func notation(_ threads: [ThreadNode]) -> String {
        enum Step {
            case node(ThreadNode)
            case text(String)
        }
        var output = ""
        var pending: [Step] = threads.reversed().flatMap { [Step.text(")"), .node($0), .text("(")] }
        while let step = pending.popLast() {
            switch step {
            case .text(let text):
                output += text
            case .node(let node):
                var steps: [Step] = []
                if let id = node.id { steps.append(.text(String(id))) }
                let children = node.children
                if node.id != nil && children.count == 1 {
                    steps.append(.text(" "))
                    steps.append(.node(children[0]))
                } else if !children.isEmpty {
                    if node.id != nil { steps.append(.text(" ")) }
                    for child in children {
                        steps.append(.text("("))
                        steps.append(.node(child))
                        steps.append(.text(")"))
                    }
                }
                pending.append(contentsOf: steps.reversed())
            }
        }
        return output
    }
}

/// The children of a `ThreadNode`. Only ever mutated while uniquely
/// referenced (copy-on-write through `ThreadNode.children`), so sharing it
/// between threads is safe.
final class ThreadChildren: @unchecked Sendable {
    var nodes: [ThreadNode]

    init(_ nodes: [ThreadNode]) {
        self.nodes = nodes
    }

    /// Frees the subtree iteratively: the default would recurse once per
    /// level and overflow the stack on a deep reply chain.
    deinit {
        var pending: [ThreadNode] = []
        swap(&pending, &nodes)
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node.box), let box = node.box {
                var grandchildren: [ThreadNode] = []
                swap(&grandchildren, &box.nodes)
                pending.append(contentsOf: grandchildren)
            }
        }
    }
}
