//! Loads sqlite-vec into every SQLite connection this process opens, plus the one distance it lacks.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

/// SQL name of the negative inner product this crate registers (sqlite-vec has none).
pub(crate) const NEGATIVE_INNER_PRODUCT: &str = "tidb_vector_negative_inner_product";

/// Registers the extensions once per process, before the first SQLite connection opens.
pub(crate) fn register() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `sqlite3_vec_init` is sqlite-vec's extension entry point, compiled against the same
        // bundled SQLite as sqlx (one libsqlite3-sys in the tree); it has exactly the signature that
        // `sqlite3_auto_extension` expects, which the C API declares as `void (*)(void)`.
        unsafe {
            ffi::sqlite3_auto_extension(Some(std::mem::transmute::<
                *const (),
                unsafe extern "C" fn(
                    *mut ffi::sqlite3,
                    *mut *mut c_char,
                    *const ffi::sqlite3_api_routines,
                ) -> c_int,
            >(
                sqlite_vec::sqlite3_vec_init as *const ()
            )));
            ffi::sqlite3_auto_extension(Some(register_functions));
        }
    });
}

unsafe extern "C" fn register_functions(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    let name = c"tidb_vector_negative_inner_product";
    debug_assert_eq!(name.to_str(), Ok(NEGATIVE_INNER_PRODUCT));
    // SAFETY: `db` is the connection SQLite is initializing; the name is NUL-terminated and static, and the
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
