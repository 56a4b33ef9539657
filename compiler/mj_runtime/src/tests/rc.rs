//! Reference counts: retains and releases, and containers owning their handle elements.

use crate::list::{mj_list_copy, mj_list_new_kind, mj_list_pop, mj_list_push};
use crate::rc::*;
use crate::str::new_str;
use crate::{MjList, MjStr};

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

#[test]
fn lists_of_strings_own_their_elements() {
    unsafe {
        let s = new_str(b"elem");
        mj_str_retain(s); // the test's own reference
        let l = mj_list_new_kind(8, 0, KIND_STR);
        mj_list_push(l, &s as *const *const MjStr as *const u8); // the list takes one
        assert_eq!(rc(s), 2);
        let c = mj_list_copy(l);
        assert_eq!(rc(s), 3, "a copy retains its elements");
        assert_eq!((*c).elem_kind, KIND_STR);
        mj_list_release(c);
        assert_eq!(rc(s), 2);
        // A pop without a destination releases the element.
        let l2: *mut MjList = mj_list_copy(l);
        mj_list_pop(l2, -1, std::ptr::null_mut(), std::ptr::null(), 0);
        assert_eq!(rc(s), 2);
        mj_list_release(l2);
        mj_list_retain(l);
        mj_list_release(l);
        assert_eq!(rc(s), 2, "still one list reference");
        mj_list_release(l);
        assert_eq!(rc(s), 1);
        mj_str_release(s);
    }
}
