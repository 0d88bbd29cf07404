//! Loads sqlite-vec, plus the one distance it lacks, into the SQLite connections this crate uses: its own
//! pools' connections as they open, and a caller's connection at its first operation. Other SQLite
//! connections of the process are left alone.

use std::ffi::{c_char, c_int};

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

use crate::error::{Error, Result};

use crate::dialect::sqlite::NEGATIVE_INNER_PRODUCT;

/// Loads sqlite-vec and this crate's function into a connection that has neither.
pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<()> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the live connection, locked for this call. `sqlite3_vec_init` is sqlite-vec's
    // extension entry point, compiled with `SQLITE_CORE` against the same bundled SQLite as sqlx (one
    // libsqlite3-sys in the tree), so it takes no API routines; the crate declares it without parameters,
    // hence the cast to its real signature.
    let code = unsafe {
        let init = std::mem::transmute::<
            *const (),
            unsafe extern "C" fn(
                *mut ffi::sqlite3,
                *mut *mut c_char,
                *const ffi::sqlite3_api_routines,
            ) -> c_int,
        >(sqlite_vec::sqlite3_vec_init as *const ());
        match init(db, std::ptr::null_mut(), std::ptr::null()) {
            ffi::SQLITE_OK => register_functions(db),
            code => code,
        }
    };
    if code != ffi::SQLITE_OK {
        return Err(Error::Config(format!(
            "cannot load sqlite-vec into the SQLite connection (SQLite result code {code})"
        )));
    }
    Ok(())
}

/// Loads sqlite-vec into a caller's connection unless it is there already.
pub(crate) async fn ensure_loaded(conn: &mut SqliteConnection) -> Result<()> {
    let loaded = sqlx::query_scalar::<_, String>(crate::dialect::sqlite::VEC_VERSION)
        .fetch_one(&mut *conn)
        .await
        .is_ok();
    if !loaded {
        load(conn).await?;
    }
    Ok(())
}

/// Registers this crate's function on a connection.
///
/// # Safety
/// `db` is a live connection that no other thread uses during the call.
unsafe fn register_functions(db: *mut ffi::sqlite3) -> c_int {
    let name = c"tidb_vector_negative_inner_product";
    debug_assert_eq!(name.to_str(), Ok(NEGATIVE_INNER_PRODUCT));
    // SAFETY: `db` is live and ours for the call (see above); the name is NUL-terminated and static, and the
    // callback matches `xFunc`'s signature.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            name.as_ptr(),
            2,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(negative_inner_product),
            None,
            None,
            None,
        )
    }
}

/// `tidb_vector_negative_inner_product(a, b)`: `-Σ a[i]·b[i]` over two little-endian `f32` blobs, in f64;
/// NULL when either is NULL, an error when they are not vectors of the same length.
unsafe extern "C" fn negative_inner_product(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `argc` (= 2, as registered) valid values in `argv`; a blob pointer is
    // valid for `sqlite3_value_bytes` bytes until the next call on that value.
    unsafe {
        let args = std::slice::from_raw_parts(argv, argc as usize);
        let mut vectors = [&[][..], &[][..]];
        for (slot, &value) in vectors.iter_mut().zip(args) {
            match ffi::sqlite3_value_type(value) {
                ffi::SQLITE_NULL => return ffi::sqlite3_result_null(ctx),
                ffi::SQLITE_BLOB => {
                    let len = ffi::sqlite3_value_bytes(value) as usize;
                    let data = ffi::sqlite3_value_blob(value) as *const u8;
                    *slot = if len == 0 {
                        &[]
                    } else {
                        std::slice::from_raw_parts(data, len)
                    };
                }
                _ => {
                    return error(
                        ctx,
                        c"tidb_vector_negative_inner_product takes f32 vector blobs",
                    );
                }
            }
        }
        let [a, b] = vectors;
        if a.len() != b.len() || !a.len().is_multiple_of(4) {
            return error(ctx, c"vectors have different dimensions");
        }
        let dot: f64 = a
            .chunks_exact(4)
            .zip(b.chunks_exact(4))
            .map(|(x, y)| {
                let x = f32::from_le_bytes([x[0], x[1], x[2], x[3]]);
                let y = f32::from_le_bytes([y[0], y[1], y[2], y[3]]);
                f64::from(x) * f64::from(y)
            })
            .sum();
        ffi::sqlite3_result_double(ctx, -dot);
    }
}

unsafe fn error(ctx: *mut ffi::sqlite3_context, message: &std::ffi::CStr) {
    // SAFETY: `ctx` is the live context of the current call; -1 means the message is NUL-terminated.
    unsafe { ffi::sqlite3_result_error(ctx, message.as_ptr(), -1) }
}
