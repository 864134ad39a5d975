"""The history store's schema, its version and the migrations from each earlier one.

The version is SQLite's ``PRAGMA user_version``; ``PRAGMA application_id`` marks
the file as a cchc-xlsx store (``0x43434843``, "CCHC"). A store written by a
newer release (a higher version) is refused rather than guessed at. Each
migration is the list of statements that takes a store from the version before
it to its own; they run in one transaction with the version change.
"""

from __future__ import annotations

from cchc_xlsx.vocabulary import STORE_APPLICATION_ID

APPLICATION_ID = STORE_APPLICATION_ID  # "CCHC"

# NOTE: timestamps are ISO 8601 in UTC with microseconds ("2024-03-12T02:15:00.000000+00:00"),
# so that they sort as text; values are JSON (a number, a text, true/false).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        # every file recorded, once per content (sha256); status and issues as first read;
        # content: a digest of the values and notes read (a re-saved copy has other bytes, the same content)
        """CREATE TABLE files (
            sha256 TEXT PRIMARY KEY,
            size INTEGER,
            path TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            unit TEXT,
            unit_name TEXT,
            unit_level TEXT,
            level TEXT,
            period TEXT,
            form_id TEXT,
            form_version TEXT,
            kind TEXT,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
            content TEXT,
            n_values INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            issues TEXT NOT NULL,
            notes TEXT NOT NULL
        )""",
        "CREATE INDEX files_by_period_unit ON files (period, unit, received_at)",
        # the values of every accepted file
        """CREATE TABLE file_values (
            sha256 TEXT NOT NULL REFERENCES files (sha256),
            code TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (sha256, code)
        ) WITHOUT ROWID""",
        # every path a content was found at
        """CREATE TABLE sightings (
            sha256 TEXT NOT NULL REFERENCES files (sha256),
            path TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (sha256, path)
        ) WITHOUT ROWID""",
        # an office's explicit choice of a unit's version (--prefer FILE)
        """CREATE TABLE preferred (
            unit TEXT NOT NULL,
            period TEXT NOT NULL,
            form_id TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES files (sha256),
            chosen_at TEXT NOT NULL,
            PRIMARY KEY (unit, period, form_id)
        )""",
        # the units expected to report for a period at a level under a unit (the last run's register)
        """CREATE TABLE expected (
            period TEXT NOT NULL,
            level TEXT NOT NULL,
            parent TEXT NOT NULL,
            units TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (period, level, parent)
        )""",
        # every consolidated appendix written with the store, and the version of each unit it added
        """CREATE TABLE appendices (
            id INTEGER PRIMARY KEY,
            written_at TEXT NOT NULL,
            path TEXT NOT NULL,
            period TEXT,
            level TEXT,
            unit TEXT,
            sources TEXT NOT NULL
        )""",
        """CREATE VIEW accepted_values AS
            SELECT f.unit, f.period, f.form_id, v.code, v.value, f.sha256, f.received_at
            FROM file_values v JOIN files f USING (sha256)
            WHERE f.status = 'accepted'""",
    ],
}

SCHEMA_VERSION = max(MIGRATIONS)
