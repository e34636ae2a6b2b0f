//! External input: bytes a user brings, from a file or from stdin (`-`).
//!
//! Input is read in chunks and never held whole, so a multi-gigabyte pipe costs the same
//! memory as a small file. Two formats: `bin`, raw bytes whose bits count most significant
//! first; and `ascii01`, where every `0` or `1` character is one bit and every other byte is
//! skipped, as NIST STS's ASCII mode reads its files. Input is never rewound or repeated: a test
//! that needs more than there is says so and is skipped.

use crate::battery::nist::sequences::Ascii01Packer;
use crate::source::{PositionedSymbols, SymbolStream};
use crate::Error;
use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How the input encodes bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raw bytes, bits most significant first.
    Bin,
    /// ASCII `0`/`1` characters; anything else is skipped.
    Ascii01,
}

const READ_CHUNK: usize = 1 << 16;

/// A file or stdin, read forward once.
pub struct ExternalInput {
    /// The name reports show: the path, or `stdin`.
    pub name: String,
    /// The input's size in bytes when it is a regular file (its bits, for `ascii01`, are not
    /// known before reading it).
    pub file_bytes: Option<u64>,
    reader: Box<dyn Read + Send>,
    /// The same file as `reader`, for reads at any position; only for a regular file.
    file: Option<Arc<File>>,
    /// Whether anything has been read forward: positioned reads count from the start.
    started: bool,
    /// Bytes read through positioned reads so far ([`SymbolStream::advance_past`]): the next
    /// positioned read, or forward read, starts after them.
    passed: u64,
    format: Format,
    packer: Ascii01Packer,
    raw: Vec<u8>,
    /// Packed bytes ready to hand out, from `position` on.
    ready: Vec<u8>,
    position: usize,
    ended: bool,
    /// Raised from outside (a SIGINT handler): the input then ends at the next read, as if
    /// it had reached its end, so that what was read is still analysed and reported.
    stop: Option<Arc<AtomicBool>>,
    stopped: bool,
}

impl ExternalInput {
    /// Opens `path` (`-` for stdin) and checks that it can be read.
    pub fn open(path: &str, format: Format) -> Result<Self, Error> {
        let mut shared_file = None;
        let (name, file_bytes, reader): (String, Option<u64>, Box<dyn Read + Send>) = if path == "-"
        {
            ("stdin".to_string(), None, Box::new(std::io::stdin()))
        } else {
            let unreadable = |source| Error::Read {
                what: path.to_string(),
                source,
            };
            let metadata = std::fs::metadata(path).map_err(unreadable)?;
            if metadata.is_dir() {
                return Err(Error::Usage(format!(
                    "{path} is a directory; give a file or - for stdin"
                )));
            }
            let file = std::fs::File::open(path).map_err(unreadable)?;
            // Files in /proc and /sys report a size of 0 yet have contents: a zero size is no
            // size at all, and the input is read to its end like a pipe.
            let size = (metadata.is_file() && metadata.len() > 0).then_some(metadata.len());
            let file = Arc::new(file);
            if size.is_some() {
                shared_file = Some(Arc::clone(&file));
            }
            (path.to_string(), size, Box::new(file))
        };
        let mut input = ExternalInput::from_reader(name, reader, format);
        input.file_bytes = file_bytes;
        input.file = shared_file;
        Ok(input)
    }

    /// Any reader, of unknown length, shown in reports as `name`. Nothing is read until the
    /// battery asks for data.
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read + Send + 'static,
        format: Format,
    ) -> Self {
        ExternalInput {
            name: name.into(),
            file_bytes: None,
            reader: Box::new(reader),
            file: None,
            started: false,
            passed: 0,
            format,
            packer: Ascii01Packer::new(),
            raw: vec![0u8; READ_CHUNK],
            ready: Vec::with_capacity(READ_CHUNK),
            position: 0,
            ended: false,
            stop: None,
            stopped: false,
        }
    }

    /// Ends the input at the next read once `flag` is raised (by a SIGINT handler, say): an
    /// endless pipe can be stopped and still reported.
    pub fn stop_on(&mut self, flag: Arc<AtomicBool>) {
        self.stop = Some(flag);
    }

    /// Whether the input was ended by its stop flag rather than by its own end.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// How the input encodes bits.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Reads the next chunk of input into `ready` as packed bytes; returns the number of bits
    /// added (for `ascii01` the last, partial byte comes only at the end of the input).
    fn refill(&mut self) -> std::io::Result<u64> {
        self.ready.clear();
        self.position = 0;
        while !self.ended && self.ready.is_empty() {
            let stop_raised = self
                .stop
                .as_ref()
                .is_some_and(|f| f.load(Ordering::Relaxed));
            let got = if stop_raised {
                self.stopped = true;
                0
            } else {
                match self.reader.read(&mut self.raw) {
                    Ok(got) => got,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(error) => return Err(error),
                }
            };
            if got == 0 {
                self.ended = true;
                if self.format == Format::Ascii01 {
                    // Every whole byte has been handed out already; what is left is the last
                    // partial byte, if the digits did not fill it.
                    let partial = self.packer.bits() % 8;
                    std::mem::take(&mut self.packer).finish(&mut self.ready);
                    return Ok(partial);
                }
                return Ok(0);
            }
            match self.format {
                Format::Bin => self.ready.extend_from_slice(&self.raw[..got]),
                Format::Ascii01 => self.packer.push(&self.raw[..got], &mut self.ready),
            }
        }
        Ok(8 * self.ready.len() as u64)
    }

    /// Appends the next packed bits to `out` and returns how many bits were appended; 0 means
    /// the input has ended. Only the very last call may end on a partial byte.
    pub fn next_bits(&mut self, out: &mut Vec<u8>) -> std::io::Result<u64> {
        self.started = true;
        if self.position < self.ready.len() {
            out.extend_from_slice(&self.ready[self.position..]);
            let bits = 8 * (self.ready.len() - self.position) as u64;
            self.position = self.ready.len();
            return Ok(bits);
        }
        let bits = self.refill()?;
        out.extend_from_slice(&self.ready);
        self.position = self.ready.len();
        Ok(bits)
    }
}

impl SymbolStream for ExternalInput {
    /// Whole bytes only: for `ascii01` input, a last group of fewer than 8 digits is dropped
    /// (byte-level tests cannot use it).
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.started = true;
        let mut written = 0;
        while written < out.len() {
            let direct = self.format == Format::Bin && out.len() - written >= READ_CHUNK;
            if self.position == self.ready.len() && direct && !self.ended {
                // Raw bytes into a large request go straight to it, without the extra copy.
                if self
                    .stop
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::Relaxed))
                {
                    self.stopped = true;
                    self.ended = true;
                    break;
                }
                match self.reader.read(&mut out[written..]) {
                    Ok(0) => {
                        self.ended = true;
                        break;
                    }
                    Ok(got) => written += got,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
                continue;
            }
            if self.position == self.ready.len() {
                let bits = self.refill()?;
                if bits == 0 {
                    break;
                }
                if bits % 8 != 0 {
                    self.ready.pop();
                }
                continue;
            }
            let take = (self.ready.len() - self.position).min(out.len() - written);
            out[written..written + take]
                .copy_from_slice(&self.ready[self.position..self.position + take]);
            self.position += take;
            written += take;
        }
        Ok(written)
    }

    /// Raw bytes of a regular file, before anything was read forward.
    fn positioned(&mut self) -> Option<Arc<dyn PositionedSymbols>> {
        if self.started || self.format != Format::Bin {
            return None;
        }
        let file = Arc::clone(self.file.as_ref()?);
        let length = self.file_bytes?.saturating_sub(self.passed);
        #[cfg(unix)]
        {
            Some(Arc::new(PositionedFile {
                file,
                start: self.passed,
                length,
                stop: self.stop.clone(),
            }))
        }
        #[cfg(not(unix))]
        {
            let _ = (file, length);
            None
        }
    }

    fn advance_past(&mut self, symbols: u64) {
        self.passed += symbols;
        // The forward reader shares the file's offset: it moves past them too.
        if let Some(file) = &self.file {
            use std::io::Seek;
            if (&**file)
                .seek(std::io::SeekFrom::Start(self.passed))
                .is_err()
            {
                // A file that cannot seek is read forward no more: positioned reads go on.
                self.ended = true;
            }
        }
    }
}

impl ExternalInput {
    /// Bytes `start..end` of a regular file of raw bytes, as a stream that can also be read at
    /// any position (a shard's part of a file): nothing before `start` is read. `None` for
    /// stdin, pipes, ASCII `0`/`1` input, or a file already read from.
    pub(crate) fn window(&self, start: u64, end: u64) -> Option<FileWindow> {
        if self.started || self.format != Format::Bin {
            return None;
        }
        let file = Arc::clone(self.file.as_ref()?);
        let size = self.file_bytes?;
        #[cfg(unix)]
        {
            Some(FileWindow {
                symbols: Arc::new(PositionedFile {
                    file,
                    start: start.min(size),
                    length: end.min(size).saturating_sub(start),
                    stop: self.stop.clone(),
                }),
                at: 0,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (file, size, start, end);
            None
        }
    }
}

/// A stretch of a regular file ([`ExternalInput::window`]), read forward or, by the runner's
/// workers, at any position.
pub(crate) struct FileWindow {
    #[cfg(unix)]
    symbols: Arc<PositionedFile>,
    /// Bytes of the stretch read forward so far.
    at: u64,
}

#[cfg(unix)]
impl SymbolStream for FileWindow {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let got = self.symbols.read_at(self.at, out)?;
        self.at += got as u64;
        Ok(got)
    }

    fn positioned(&mut self) -> Option<Arc<dyn PositionedSymbols>> {
        (self.at == 0).then(|| Arc::clone(&self.symbols) as Arc<dyn PositionedSymbols>)
    }
}

#[cfg(not(unix))]
impl SymbolStream for FileWindow {
    fn fill(&mut self, _out: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

/// A regular file read at any position (`pread`), which threads can do at once.
#[cfg(unix)]
struct PositionedFile {
    file: Arc<File>,
    /// Where the stretch read starts in the file (0: the whole file).
    start: u64,
    /// The file's size when it was opened: a file that grows is read to that size only.
    length: u64,
    stop: Option<Arc<AtomicBool>>,
}

#[cfg(unix)]
impl PositionedSymbols for PositionedFile {
    fn read_at(&self, offset: u64, out: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let wanted = self.length.saturating_sub(offset).min(out.len() as u64) as usize;
        let mut filled = 0;
        while filled < wanted {
            match self.file.read_at(
                &mut out[filled..wanted],
                self.start + offset + filled as u64,
            ) {
                Ok(0) => break,
                Ok(got) => filled += got,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(filled)
    }

    fn length(&self) -> u64 {
        self.length
    }

    fn stop_requested(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_from(bytes: &[u8], format: Format) -> ExternalInput {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        std::fs::write(&path, bytes).unwrap();
        let input = ExternalInput::open(path.to_str().unwrap(), format).unwrap();
        // The open file keeps its contents readable after the directory is removed.
        drop(dir);
        input
    }

    #[test]
    fn ascii01_packs_most_significant_first_and_skips_other_bytes() {
        let mut input = input_from(b"1100 1001\n0000 1111 x 101", Format::Ascii01);
        let mut out = Vec::new();
        let mut bits = 0;
        loop {
            let got = input.next_bits(&mut out).unwrap();
            if got == 0 {
                break;
            }
            bits += got;
        }
        assert_eq!(bits, 19);
        assert_eq!(out, vec![0xC9, 0x0F, 0b1010_0000]);
    }

    #[test]
    fn symbol_stream_gives_whole_bytes_and_then_ends() {
        let mut input = input_from(b"11001001 00001111 101", Format::Ascii01);
        let mut out = [0u8; 8];
        assert_eq!(input.fill(&mut out).unwrap(), 2);
        assert_eq!(&out[..2], &[0xC9, 0x0F]);
        assert_eq!(input.fill(&mut out).unwrap(), 0);
        let mut raw = input_from(&[1, 2, 3], Format::Bin);
        assert_eq!(raw.fill(&mut out).unwrap(), 3);
        assert_eq!(raw.fill(&mut out).unwrap(), 0);
    }

    #[test]
    fn missing_files_and_directories_are_errors_not_panics() {
        let missing = ExternalInput::open("/nonexistent/rngaudit-input", Format::Bin);
        assert!(missing.err().unwrap().to_string().contains("/nonexistent"));
        let dir = tempfile::tempdir().unwrap();
        let directory = ExternalInput::open(dir.path().to_str().unwrap(), Format::Bin);
        assert!(directory.err().unwrap().to_string().contains("directory"));
    }
}
