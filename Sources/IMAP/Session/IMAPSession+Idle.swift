// IDLE (RFC 2177): the client waits for news of the selected mailbox
// without polling. While idling, `mailboxChanged()` sends the updates at
// once; DONE ends it.
import Logging
import MailStore

extension IMAPSession {
    /// `+ idling`, then any news already waiting. Allowed in the
    /// authenticated state too (there is simply nothing to report).
    func startIdle(tag: String) async -> CommandResult? {
        idleTag = tag
        parser.mode = .idle
        send(.continuation("idling"))
        // RFC 2177 §3: EXPUNGE may be sent while idling.
        await sendUpdates(allowExpunge: true)
        return nil
    }

    /// DONE (RFC 2177 §3): the tagged OK, after the latest news.
    func endIdle() async {
        parser.mode = .commands
        guard let tag = idleTag else { return }
        idleTag = nil
        await complete(tag: tag, .ok("IDLE terminated"), allowExpunge: true)
    }
}
