//! Reference counts: retains and releases.

use crate::MjStr;
use crate::rc::*;
use crate::str::new_str;

fn rc(s: *const MjStr) -> i64 {
    unsafe { (*s).rc }
}

#[test]
fn strings_count_and_literals_are_immortal() {
    unsafe {
        let s = new_str(b"hello");
        assert_eq!(rc(s), 1);
        assert_eq!(mj_str_retain(s), s);
        assert_eq!(rc(s), 2);
        mj_str_release(s);
        assert_eq!(rc(s), 1);
        let lit = MjStr {
            len: 2,
            data: b"hi".as_ptr(),
            rc: 0,
        };
        mj_str_retain(&lit);
        mj_str_release(&lit);
        mj_str_release(&lit);
        assert_eq!(lit.rc, 0);
        mj_str_release(std::ptr::null());
        mj_str_release(s);
    }
}
