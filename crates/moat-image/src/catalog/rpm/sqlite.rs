//! rpm's sqlite backend (`rpmdb.sqlite`, rpm ≥ 4.16): table `Packages(hnum, blob)`.
//! The database is deserialized into an in-memory sqlite connection (read-only); it is
//! never written to disk.

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::DbError;

/// The first 16 bytes of every sqlite 3 database.
pub const MAGIC: &[u8] = b"SQLite format 3\0";

/// Every header blob of the `Packages` table, in `hnum` order.
pub fn blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, DbError> {
    if !content.starts_with(MAGIC) {
        return Err(DbError::NotDb {
            format: "SQLite",
            reason: "no `SQLite format 3` header".into(),
        });
    }
    // rpm runs SQLite in WAL mode (file format bytes 18 and 19 set to 2); the in-memory
    // VFS cannot open WAL databases, so the copy is marked as a rollback-journal database.
    // A WAL file beside the database is not read: rpm checkpoints it when it closes.
    let mut bytes = content.to_vec();
    for b in bytes.get_mut(18..20).into_iter().flatten() {
        if *b == 2 {
            *b = 1;
        }
    }
    let sql = |e: rusqlite::Error| DbError::Sqlite(e.to_string());
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    conn.deserialize_read_exact(MAIN_DB, bytes.as_slice(), bytes.len(), true)
        .map_err(sql)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(sql)?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |row| row.get::<_, Vec<u8>>(0))
        .map_err(sql)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_sqlite() {
        assert!(matches!(
            blobs(b"hello world, no database here"),
            Err(DbError::NotDb { .. })
        ));
    }

    #[test]
    fn sqlite_header_with_garbage_is_an_error() {
        let mut b = MAGIC.to_vec();
        b.extend(std::iter::repeat_n(0xa5, 4096));
        assert!(matches!(blobs(&b), Err(DbError::Sqlite(_))));
    }

    #[test]
    fn sqlite_without_packages_table_is_an_error() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE Other(x)").unwrap();
        let mut conn = conn;
        let data = conn.serialize(MAIN_DB).unwrap().to_vec();
        assert!(matches!(blobs(&data), Err(DbError::Sqlite(m)) if m.contains("Packages")));
    }
}
