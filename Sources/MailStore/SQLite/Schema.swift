import GRDB

/// The SQLite schema, built by named GRDB migrations. A migration, once
/// released, is never edited: changes go into a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial", migrate: createInitialTables)
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
}
