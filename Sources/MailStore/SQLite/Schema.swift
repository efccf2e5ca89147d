import Foundation
import GRDB
import MailCore

/// The SQLite schema, built by named GRDB migrations. A migration, once
/// released, is never edited: changes go into a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial", migrate: createInitialTables)
        migrator.registerMigration("v2-outbound-queue", migrate: createOutboundQueueTables)
        migrator.registerMigration("v3-queue-claims-and-delay-notices", migrate: addQueueClaimsAndDelayNotices)
        migrator.registerMigration("v4-subscriptions", migrate: createSubscriptionTable)
        migrator.registerMigration("v5-account-disabled", migrate: addAccountDisabled)
        migrator.registerMigration("v6-mailbox-counters", migrate: addMailboxCounters)
        migrator.registerMigration("v7-search-text", migrate: addSearchText)
        migrator.registerMigration("v8-header-cache", migrate: addHeaderCache)
        migrator.registerMigration("v9-recent", migrate: addFirstRecentUID)
        migrator.registerMigration("v10-quota", migrate: addQuotas)
        migrator.registerMigration("v11-save-date", migrate: addSaveDate)
        migrator.registerMigration("v12-sort-keys", migrate: addSortKeys)
        migrator.registerMigration("v13-metadata", migrate: createMetadataTable)
        migrator.registerMigration("v14-full-text", migrate: FullTextIndex.migrate)
        return migrator
    }

    private static func createInitialTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE store_meta (
                key TEXT PRIMARY KEY NOT NULL,
                value INTEGER NOT NULL
            );

            CREATE TABLE domain (
                name TEXT PRIMARY KEY NOT NULL,
                created_at DOUBLE NOT NULL
            );

            CREATE TABLE account (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                address TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at DOUBLE NOT NULL
            );

            CREATE TABLE alias (
                source TEXT PRIMARY KEY NOT NULL,
                destinations TEXT NOT NULL
            );

            CREATE TABLE mailbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                special_use TEXT,
                subscribed BOOLEAN NOT NULL DEFAULT 1,
                uid_validity INTEGER NOT NULL,
                uid_next INTEGER NOT NULL DEFAULT 1,
                highest_modseq INTEGER NOT NULL DEFAULT 1,
                UNIQUE (account_id, name)
            );

            CREATE TABLE message (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                mailbox_id INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
                uid INTEGER NOT NULL,
                modseq INTEGER NOT NULL,
                flags INTEGER NOT NULL DEFAULT 0,
                keywords TEXT NOT NULL DEFAULT '[]',
                internal_date INTEGER NOT NULL,
                size INTEGER NOT NULL,
                content_hash TEXT NOT NULL,
                message_id TEXT,
                body_file TEXT NOT NULL,
                parsed_structure BLOB NOT NULL,
                UNIQUE (mailbox_id, uid)
            );
            CREATE INDEX message_by_hash ON message(mailbox_id, content_hash);
            CREATE INDEX message_by_body_file ON message(body_file);

            CREATE TABLE change_log (
                mailbox_id INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
                modseq INTEGER NOT NULL,
                uid INTEGER NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('added', 'flags', 'expunged')),
                PRIMARY KEY (mailbox_id, modseq)
            ) WITHOUT ROWID;
            CREATE INDEX change_log_by_uid ON change_log(mailbox_id, uid);
            """)
    }

    /// The outbound queue: one row per message, one per recipient (each
    /// recipient is delivered, retried and bounced on its own).
    private static func createOutboundQueueTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbound_message (
                id TEXT PRIMARY KEY NOT NULL,
                sender TEXT NOT NULL,
                created_at DOUBLE NOT NULL,
                size INTEGER NOT NULL,
                body_file TEXT NOT NULL,
                ret TEXT,
                envelope_id TEXT,
                authenticated_user TEXT,
                smtp_utf8 BOOLEAN NOT NULL,
                body_type TEXT NOT NULL
            );
            CREATE INDEX outbound_message_by_body_file ON outbound_message(body_file);

            CREATE TABLE outbound_recipient (
                message_id TEXT NOT NULL REFERENCES outbound_message(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                address TEXT NOT NULL,
                orcpt_type TEXT,
                orcpt_address TEXT,
                notify INTEGER,
                state TEXT NOT NULL CHECK (state IN ('queued', 'delivering', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE NOT NULL,
                last_attempt_at DOUBLE,
                last_error TEXT,
                PRIMARY KEY (message_id, address)
            ) WITHOUT ROWID;
            CREATE INDEX outbound_recipient_due ON outbound_recipient(state, next_attempt_at);
            """)
    }

    /// Per recipient: whether its delay notice was stored (sent once), and
    /// when a runner claimed it (`claimRecipients`; NULL when no claim is
    /// held), so another runner's start leaves a fresh claim alone.
    private static func addQueueClaimsAndDelayNotices(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE outbound_recipient ADD COLUMN delay_notice_sent BOOLEAN NOT NULL DEFAULT 0;
            ALTER TABLE outbound_recipient ADD COLUMN claimed_at DOUBLE;
            """)
    }

    /// Subscriptions by name, independent of mailboxes (RFC 9051 §6.3.7: a
    /// subscription outlives its mailbox), filled from the v1 per-mailbox
    /// flags. `mailbox.subscribed` stays in place but is no longer read.
    private static func createSubscriptionTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE subscription (
                account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                PRIMARY KEY (account_id, name)
            ) WITHOUT ROWID;
            INSERT INTO subscription (account_id, name)
                SELECT account_id, name FROM mailbox WHERE subscribed = 1;
            """)
    }

    /// Per account: disabled (`tern account disable`), so it cannot log in
    /// while its mail is still delivered. Existing accounts stay enabled.
    private static func addAccountDisabled(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE account ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT 0")
    }

    /// Per-mailbox counters for STATUS, LIST-STATUS and SELECT (messages,
    /// unseen, deleted, total size; UIDNEXT and HIGHESTMODSEQ were there
    /// already), filled from the existing rows. Triggers on `message` keep
    /// them in step inside the statement that changes a row, so every
    /// write path (append, copy, move, flag change, expunge, the cascade of
    /// a deleted mailbox or account) updates them in its own transaction
    /// and none can forget to. Bit 0 of `flags` is `\Seen`, bit 3
    /// `\Deleted` (`MessageFlags`).
    ///
    /// `message_summary` covers what `messageSummaries` reads (a selected
    /// view, a POP3 maildrop): those reads scan the index only, never the
    /// table rows with their stored structures.
    private static func addMailboxCounters(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX message_summary ON message(mailbox_id, uid, modseq, flags, keywords, size);
            ALTER TABLE mailbox ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE mailbox ADD COLUMN unseen_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE mailbox ADD COLUMN deleted_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE mailbox ADD COLUMN total_size INTEGER NOT NULL DEFAULT 0;
            UPDATE mailbox SET
                message_count = (SELECT COUNT(*) FROM message WHERE mailbox_id = mailbox.id),
                unseen_count = (SELECT COUNT(*) FROM message WHERE mailbox_id = mailbox.id AND (flags & 1) = 0),
                deleted_count = (SELECT COUNT(*) FROM message WHERE mailbox_id = mailbox.id AND (flags & 8) != 0),
                total_size = (SELECT COALESCE(SUM(size), 0) FROM message WHERE mailbox_id = mailbox.id);

            CREATE TRIGGER message_counters_insert AFTER INSERT ON message BEGIN
                UPDATE mailbox SET message_count = message_count + 1,
                    unseen_count = unseen_count + ((NEW.flags & 1) = 0),
                    deleted_count = deleted_count + ((NEW.flags & 8) != 0),
                    total_size = total_size + NEW.size
                WHERE id = NEW.mailbox_id;
            END;

            CREATE TRIGGER message_counters_delete AFTER DELETE ON message BEGIN
                UPDATE mailbox SET message_count = message_count - 1,
                    unseen_count = unseen_count - ((OLD.flags & 1) = 0),
                    deleted_count = deleted_count - ((OLD.flags & 8) != 0),
                    total_size = total_size - OLD.size
                WHERE id = OLD.mailbox_id;
            END;

            CREATE TRIGGER message_counters_update AFTER UPDATE OF flags, size, mailbox_id ON message
            WHEN (OLD.flags & 9) != (NEW.flags & 9) OR OLD.size != NEW.size OR OLD.mailbox_id != NEW.mailbox_id
            BEGIN
                UPDATE mailbox SET message_count = message_count - 1,
                    unseen_count = unseen_count - ((OLD.flags & 1) = 0),
                    deleted_count = deleted_count - ((OLD.flags & 8) != 0),
                    total_size = total_size - OLD.size
                WHERE id = OLD.mailbox_id;
                UPDATE mailbox SET message_count = message_count + 1,
                    unseen_count = unseen_count + ((NEW.flags & 1) = 0),
                    deleted_count = deleted_count + ((NEW.flags & 8) != 0),
                    total_size = total_size + NEW.size
                WHERE id = NEW.mailbox_id;
            END;
            """)
    }

    /// v7: the searchable text of each message's envelope
    /// (`EnvelopeSearchText`: decoded, folded Subject, From, To, Cc, Bcc)
    /// beside its stored structure, so SEARCH on them reads short strings
    /// (from a covering index) instead of decoding every structure. Filled here for the existing
    /// rows (from the stored envelope, in batches by row ID); NULL where
    /// the structure cannot be read.
    private static func addSearchText(_ db: Database) throws {
        for column in ["search_subject", "search_from", "search_to", "search_cc", "search_bcc"] {
            try db.execute(sql: "ALTER TABLE message ADD COLUMN \(column) TEXT")
        }

        let decoder = JSONDecoder()
        let update = try db.makeStatement(sql: """
            UPDATE message SET search_subject = ?, search_from = ?, search_to = ?, search_cc = ?, search_bcc = ?
            WHERE id = ?
            """)
        var last: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, CASE WHEN json_valid(CAST(parsed_structure AS TEXT))
                    THEN json_extract(CAST(parsed_structure AS TEXT), '$.envelope') END
                FROM message WHERE id > ? ORDER BY id LIMIT 1000
                """, arguments: [last])
            guard !rows.isEmpty else { break }
            for row in rows {
                let id: Int64 = row[0]
                last = id
                let json: String? = row[1]
                guard let envelope = json.flatMap({ try? decoder.decode(Envelope.self, from: Data($0.utf8)) }) else {
                    continue
                }
                try update.execute(arguments: StatementArguments(Rows.searchTextValues(EnvelopeSearchText(envelope)) + [id]))
            }
        }
        // Covers what `messageEnvelopes(…parts: .searchText)` reads: a SEARCH
        // scans this index alone, never the table rows with their structures.
        try db.execute(sql: """
            CREATE INDEX message_search_text ON message(mailbox_id, uid, size, internal_date,
                search_subject, search_from, search_to, search_cc, search_bcc)
            """)
    }

    /// v8: what `messageLayouts` reads, beside each message so that a
    /// list FETCH neither decodes structures nor opens message files: the
    /// root part's header and body ranges (filled here from the stored
    /// structures in one statement; NULL where one is not valid JSON) and
    /// the header fields message lists ask for (`CachedHeaderFields`).
    /// Rows stored before keep no cached fields (their FETCHes read the
    /// files, as before): filling them would read every message file
    /// while the server starts.
    private static func addHeaderCache(_ db: Database) throws {
        for column in ["root_header_offset", "root_header_size", "root_body_offset", "root_body_size"] {
            try db.execute(sql: "ALTER TABLE message ADD COLUMN \(column) INTEGER")
        }
        try db.execute(sql: "ALTER TABLE message ADD COLUMN cached_header_fields BLOB")
        // `MIMEPart`'s keys: ho, hs, bo, bs.
        try db.execute(sql: """
            UPDATE message SET
                root_header_offset = json_extract(CAST(parsed_structure AS TEXT), '$.root.ho'),
                root_header_size = json_extract(CAST(parsed_structure AS TEXT), '$.root.hs'),
                root_body_offset = json_extract(CAST(parsed_structure AS TEXT), '$.root.bo'),
                root_body_size = json_extract(CAST(parsed_structure AS TEXT), '$.root.bs')
            WHERE json_valid(CAST(parsed_structure AS TEXT))
            """)
    }

    /// v9: the first UID no session has seen as `\Recent` yet (RFC 3501
    /// §2.3.2; `MailStore.recentMessages`). A new mailbox starts at 1;
    /// existing ones at their UIDNEXT, so no old message turns recent.
    private static func addFirstRecentUID(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE mailbox ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1")
        try db.execute(sql: "UPDATE mailbox SET first_recent_uid = uid_next")
    }

    /// v10: quotas (RFC 9208; `SQLiteMailStore+Quota`). An account's own
    /// limits when `quota_custom` is set (NULL there is unlimited), else the
    /// default kept in `store_meta`; a domain's shared limits (NULL: none).
    private static func addQuotas(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE account ADD COLUMN quota_custom BOOLEAN NOT NULL DEFAULT 0;
            ALTER TABLE account ADD COLUMN quota_storage INTEGER;
            ALTER TABLE account ADD COLUMN quota_messages INTEGER;
            ALTER TABLE domain ADD COLUMN quota_storage INTEGER;
            ALTER TABLE domain ADD COLUMN quota_messages INTEGER;
            """)
    }

    /// v11: when each message was saved in its mailbox (RFC 8514 SAVEDATE),
    /// Unix seconds; NULL for the rows stored before, whose SAVEDATE is NIL.
    private static func addSaveDate(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE message ADD COLUMN saved_at INTEGER")
    }

    /// v12: each message's SORT keys (`MessageSortKeys`: sent date and the
    /// collation keys of base subject, first From/To/Cc mailbox and display
    /// names), so SORT reads short columns instead of parsing headers.
    /// Filled here, in batches by row ID, for the rows that kept their
    /// header fields (v8: Date, Subject, From, To and Cc are among them);
    /// NULL for older rows, for which SORT computes the keys from their
    /// header as it did.
    private static func addSortKeys(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE message ADD COLUMN sort_date INTEGER")
        for column in ["sort_subject", "sort_from", "sort_to", "sort_cc", "sort_display_from", "sort_display_to"] {
            try db.execute(sql: "ALTER TABLE message ADD COLUMN \(column) BLOB")
        }
        let update = try db.makeStatement(sql: """
            UPDATE message SET sort_date = ?, sort_subject = ?, sort_from = ?, sort_to = ?, sort_cc = ?,
                sort_display_from = ?, sort_display_to = ? WHERE id = ?
            """)
        var last: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, internal_date, size, cached_header_fields FROM message
                WHERE id > ? AND cached_header_fields IS NOT NULL ORDER BY id LIMIT 1000
                """, arguments: [last])
            guard !rows.isEmpty else { break }
            for row in rows {
                let id: Int64 = row[0]
                last = id
                let internalDate: Double = row[1]
                let header: Data = row[3]
                let keys = MessageSortKeys(SortableMessage(id: 0, internalDate: MailDate(secondsSinceEpoch: Int64(internalDate)),
                                                           size: row[2], header: [UInt8](header)))
                try update.execute(arguments: StatementArguments(Rows.sortKeyValues(keys) + [id]))
            }
        }
        // Covers what `messageSortKeys` reads: a SORT scans this index, not
        // the rows with their structures.
        try db.execute(sql: """
            CREATE INDEX message_sort_keys ON message(mailbox_id, uid, size, internal_date, sort_date, sort_subject,
                sort_from, sort_to, sort_cc, sort_display_from, sort_display_to)
            """)
    }

    /// v13: METADATA entries (RFC 5464; `Metadata.swift`) of an account on
    /// the server (`mailbox_id` NULL) or on one of its mailboxes. They go
    /// with the account or mailbox (ON DELETE CASCADE) and follow a rename,
    /// which keeps the mailbox's row. `scope` is 0 for the server and the
    /// mailbox ID otherwise, so one unique index covers both.
    private static func createMetadataTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE metadata (
                account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                mailbox_id INTEGER REFERENCES mailbox(id) ON DELETE CASCADE,
                scope INTEGER NOT NULL,
                name TEXT NOT NULL,
                value BLOB NOT NULL,
                UNIQUE (account_id, scope, name)
            );
            CREATE INDEX metadata_mailbox ON metadata(mailbox_id) WHERE mailbox_id IS NOT NULL;
            """)
    }
}
