/// IMAP THREAD (RFC 5256 §4): the ORDEREDSUBJECT and REFERENCES threading
/// algorithms. Both take the searched messages in any order and return the
/// top-level threads, oldest first.
public enum MessageThreader {
    /// THREAD=ORDEREDSUBJECT ("poor man's threading", RFC 5256 §4): the
    /// messages are sorted by base subject, then by sent date; each run of
    /// one base subject is a thread whose first message is the top and
    /// whose other messages are its children (there are no grandchildren);
    /// the threads are ordered by the sent date of their first message.
    /// Messages without a subject form one thread of the empty subject.
    public static func orderedSubject(_ messages: [SortableMessage]) -> [ThreadNode] {
        let facts = ThreadMessageFacts(messages)
        var subjectKeys: [[UInt8]] = []
        subjectKeys.reserveCapacity(facts.count)
        for index in 0..<facts.count { subjectKeys.append(facts.baseSubject(index).comparisonKey) }
        let sorted = Array(0..<facts.count).sorted { a, b in
            let bySubject = UnicodeCasemap.compare(subjectKeys[a], subjectKeys[b])
            if bySubject != 0 { return bySubject < 0 }
            return facts.sortsBefore(a, b)
        }
        var threads: [[Int]] = []
        for index in sorted {
            if let last = threads.last?.last, subjectKeys[last] == subjectKeys[index] {
                threads[threads.count - 1].append(index)
            } else {
                threads.append([index])
            }
        }
        threads.sort { facts.sortsBefore($0[0], $1[0]) }
        return threads.map { thread in
            ThreadNode(id: facts.id(thread[0]), children: thread.dropFirst().map { ThreadNode(id: facts.id($0)) })
        }
    }

    /// THREAD=REFERENCES (RFC 5256 §4): threads from the Message-ID,
    /// References and In-Reply-To fields (steps (1) to (4), (6)), then
    /// top-level threads of one base subject gathered (step (5)).
    ///
    /// Bounds on hostile input: only the last `MessageIDList.maxReferences`
    /// (100) IDs of a References field are used; loops in references are
    /// never linked; loop checks have a total budget
    /// (`ThreadReferenceLinks.loopCheckBudget`) after which doubtful links
    /// are left out; nothing recurses, so chains of any depth work.
    public static func references(_ messages: [SortableMessage]) -> [ThreadNode] {
        referenceThreads(messages).threads
    }

    /// `references` with the work its loop checks cost (for tests).
    static func referenceThreads(_ messages: [SortableMessage]) -> (threads: [ThreadNode], loopCheckSteps: Int) {
        let facts = ThreadMessageFacts(messages)
        let links = ThreadReferenceLinks(facts.messages)
        var forest = ReferenceThreadForest(links: links, facts: facts)
        forest.sortRoots()
        forest.gatherSubjects()
        return (forest.threadNodes(), links.loopCheckSteps)
    }
}

/// The messages of one THREAD call in ascending id order, with their sent
/// dates and base subjects computed at most once each.
struct ThreadMessageFacts {
    let messages: [SortableMessage]
    private let sentDates: [Int64]

    init(_ unordered: [SortableMessage]) {
        // Step (1) goes through the messages in sequence order, and ties
        // are broken by it (§2.2).
        messages = unordered.sorted { $0.id < $1.id }
        sentDates = messages.map(SortKeyValues.sentDate)
    }

    var count: Int { messages.count }

    func id(_ index: Int) -> UInt32 { messages[index].id }

    /// The sent date (§2.2), UTC seconds.
    func sentDate(_ index: Int) -> Int64 { sentDates[index] }

    func baseSubject(_ index: Int) -> BaseSubject {
        BaseSubject(rawSubject: messages[index].subject)
    }

    /// Sent-date order, equal dates by sequence number (§2.2).
    func sortsBefore(_ a: Int, _ b: Int) -> Bool {
        if sentDates[a] != sentDates[b] { return sentDates[a] < sentDates[b] }
        return messages[a].id < messages[b].id
    }
}
