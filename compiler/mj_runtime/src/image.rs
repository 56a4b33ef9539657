//! A program's device image: the PTX of the kernels it launches, for one or more NVIDIA
//! GPUs, and which PTX entry each launch (named by its trampoline) calls. The CLI writes
//! it (`Image::write`) and the code generator embeds it as one NUL-terminated constant;
//! the CUDA device reads it at the first launch (`cuda.rs`).
//!
//! The format is text, so that `strings` on an executable shows it:
//!
//! ```text
//! mj-gpu-image 1
//! entry <trampoline> <ptx entry>
//! ptx <arch> <byte length>
//! <PTX text of that length>
//! ```

/// A parsed image; borrows the PTX from the text.
pub struct Image<'a> {
    entries: Vec<(&'a str, &'a str)>,
    ptx: Vec<(&'a str, &'a [u8])>,
}

const MAGIC: &str = "mj-gpu-image 1\n";

impl<'a> Image<'a> {
    /// Writes an image of `entries` (trampoline, entry) and `ptx` (arch, text).
    pub fn write(entries: &[(String, String)], ptx: &[(String, String)]) -> Vec<u8> {
        let mut out = String::from(MAGIC);
        for (t, e) in entries {
            out.push_str(&format!("entry {t} {e}\n"));
        }
        for (arch, text) in ptx {
            out.push_str(&format!("ptx {arch} {}\n{text}", text.len()));
        }
        out.into_bytes()
    }

    /// Reads an image; an error names what is wrong with it.
    pub fn parse(text: &'a [u8]) -> Result<Image<'a>, String> {
        let bad = |what: &str| format!("the program's device image is damaged ({what})");
        let mut rest = text
            .strip_prefix(MAGIC.as_bytes())
            .ok_or_else(|| bad("no header"))?;
        let mut img = Image {
            entries: Vec::new(),
            ptx: Vec::new(),
        };
        while !rest.is_empty() {
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| bad("unterminated line"))?;
            let line = std::str::from_utf8(&rest[..nl]).map_err(|_| bad("not UTF-8"))?;
            rest = &rest[nl + 1..];
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["entry", t, e] => img.entries.push((t, e)),
                ["ptx", arch, len] => {
                    let n: usize = len.parse().map_err(|_| bad("PTX length"))?;
                    if n > rest.len() {
                        return Err(bad("truncated PTX"));
                    }
                    img.ptx.push((arch, &rest[..n]));
                    rest = &rest[n..];
                }
                _ => return Err(bad("unknown line")),
            }
        }
        Ok(img)
    }

    /// The PTX entry that the launch through trampoline `tramp` calls.
    pub fn entry(&self, tramp: &str) -> Option<&'a str> {
        self.entries
            .iter()
            .find(|(t, _)| *t == tramp)
            .map(|(_, e)| *e)
    }

    /// The architectures the image has PTX for.
    pub fn arches(&self) -> Vec<&'a str> {
        self.ptx.iter().map(|(a, _)| *a).collect()
    }

    /// The PTX that a GPU of compute capability `cc` runs: the one made for it, else the
    /// newest portable one (no `a` suffix) not newer than the GPU, which the driver
    /// compiles forward.
    pub fn pick(&self, cc: (i32, i32)) -> Option<(&'a str, &'a [u8])> {
        let want = cc.0 * 10 + cc.1;
        let num = |a: &str| {
            a.strip_prefix("sm_")?
                .trim_end_matches('a')
                .parse::<i32>()
                .ok()
        };
        if let Some(p) = self.ptx.iter().find(|(a, _)| num(a) == Some(want)) {
            return Some(*p);
        }
        self.ptx
            .iter()
            .filter(|(a, _)| !a.ends_with('a') && num(a).is_some_and(|n| n <= want))
            .max_by_key(|(a, _)| num(a))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::Image;

    fn sample() -> Vec<u8> {
        Image::write(
            &[
                ("main.main.add$launch0".into(), "add".into()),
                ("main.main.mul$launch1".into(), "mul".into()),
            ],
            &[
                ("sm_80".into(), ".version 8.0\n.target sm_80\n".into()),
                ("sm_90a".into(), ".target sm_90a\n".into()),
            ],
        )
    }

    #[test]
    fn round_trip_and_entries() {
        let text = sample();
        let img = Image::parse(&text).expect("parses");
        assert_eq!(img.entry("main.main.mul$launch1"), Some("mul"));
        assert_eq!(img.entry("main.main.other$launch2"), None);
        assert_eq!(img.arches(), vec!["sm_80", "sm_90a"]);
    }

    #[test]
    fn picks_exact_then_portable() {
        let text = sample();
        let img = Image::parse(&text).expect("parses");
        assert_eq!(img.pick((9, 0)).map(|p| p.0), Some("sm_90a"));
        // An sm_90a image does not run on sm_100; the sm_80 PTX is compiled forward.
        assert_eq!(img.pick((10, 0)).map(|p| p.0), Some("sm_80"));
        assert_eq!(img.pick((8, 6)).map(|p| p.0), Some("sm_80"));
        assert_eq!(img.pick((7, 5)), None);
    }

    #[test]
    fn damaged_images_are_errors() {
        let text = sample();
        assert!(Image::parse(&text[..text.len() - 3]).is_err());
        assert!(Image::parse(b"something else").is_err());
        assert!(Image::parse(b"mj-gpu-image 1\nptx sm_80 x\n").is_err());
    }
}
