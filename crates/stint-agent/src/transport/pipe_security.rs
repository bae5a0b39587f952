//! The named pipe's access control: a security descriptor whose DACL grants the user the
//! agent runs as, and nobody else, passed to every `CreateNamedPipeW` of the agent's pipe;
//! and, for the client, the user the process serving a pipe runs as.
//!
//! This is the one module of Stint allowed `unsafe` (ARCHITECTURE.md, "Unsafe code"):
//! tokio takes security attributes only as a raw pointer, and the user's SID and the
//! descriptor come from Win32 calls. Each block says why it is sound.
//!
//! Without it the pipe would get Windows' default DACL: full control for the user, SYSTEM
//! and administrators, and read access for Everyone. With it another local user (an
//! administrator included, short of taking ownership) cannot open the pipe at all, and
//! remote clients are refused by `PIPE_REJECT_REMOTE_CLIENTS` (`reject_remote_clients`)
//! whoever they are. There is deliberately no deny entry for the NETWORK logon SID: a
//! person signed in over Windows' OpenSSH may carry it, and `stint agent` on an SSH box
//! is one of the agent's uses.
//!
//! The DACL keeps others out of the agent's pipe, but not off its name: any local user may
//! create `\\.\pipe\stint-agent-…` before the agent starts. So the client asks who serves
//! the pipe it opened (`server_user`) before it sends anything.
#![allow(unsafe_code)]

use std::ffi::{OsStr, c_void};
use std::io;
use std::ptr;

use std::os::windows::io::AsRawHandle;

use tokio::net::windows::named_pipe::{NamedPipeClient, NamedPipeServer, ServerOptions};
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
    TokenUser,
};
use windows_sys::Win32::System::Pipes::GetNamedPipeServerProcessId;
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::user_only_sddl;

/// A self-relative security descriptor granting only the current user, freed on drop.
pub struct UserOnly {
    descriptor: PSECURITY_DESCRIPTOR,
}

// SAFETY: the descriptor is written once, by ConvertStringSecurityDescriptorToSecurityDescriptorW
// in `UserOnly::new`, and only read afterwards (CreateNamedPipeW copies it); it is freed
// once, in `drop`. Reading immutable memory from several threads is sound.
unsafe impl Send for UserOnly {}
// SAFETY: as above: shared references only ever read the descriptor.
unsafe impl Sync for UserOnly {}

impl UserOnly {
    /// The descriptor for the user this process runs as.
    pub fn new() -> io::Result<Self> {
        let sddl = user_only_sddl(&current_user_sid()?);
        let wide: Vec<u16> = sddl.encode_utf16().chain(Some(0)).collect();
        let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives the call;
        // `descriptor` is a valid place for the out pointer; the size is optional (null).
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                ptr::null_mut(),
            )
        };
        if ok == 0 || descriptor.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { descriptor })
    }

    /// Creates one instance of the pipe `path` with `options` and this descriptor.
    pub fn create(
        &self,
        options: &ServerOptions,
        path: impl AsRef<OsStr>,
    ) -> io::Result<NamedPipeServer> {
        let mut attributes = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.descriptor,
            bInheritHandle: 0,
        };
        // SAFETY: `attributes` is a valid SECURITY_ATTRIBUTES for the duration of the call
        // (tokio passes it straight to CreateNamedPipeW), and the descriptor it points to
        // lives as long as `self`, which outlives the call; Windows copies what it needs.
        unsafe {
            options
                .create_with_security_attributes_raw(path, (&raw mut attributes).cast::<c_void>())
        }
    }
}

impl Drop for UserOnly {
    fn drop(&mut self) {
        // SAFETY: the descriptor was allocated by
        // ConvertStringSecurityDescriptorToSecurityDescriptorW, which documents LocalFree
        // as its release, and is freed only here.
        unsafe {
            LocalFree(self.descriptor);
        }
    }
}

/// The SID of the user this process runs as, as text (`S-1-5-21-…`).
pub fn current_user_sid() -> io::Result<String> {
    // SAFETY: GetCurrentProcess returns a pseudo-handle, valid for the whole life of the
    // process and needing no closing.
    process_user_sid(unsafe { GetCurrentProcess() })
}

/// The process serving the pipe `client` is connected to: its id and the SID its token
/// names as its user. Fails when either cannot be read, which the caller treats as "not
/// ours" (Windows lets a user query their own processes, elevated ones included).
pub fn server_user(client: &NamedPipeClient) -> io::Result<(u32, String)> {
    let mut pid = 0u32;
    // SAFETY: the handle is the open client end of a pipe, owned by `client`, which the
    // borrow keeps open for the call; `pid` is a valid place for the out value.
    let ok = unsafe { GetNamedPipeServerProcessId(client.as_raw_handle().cast(), &mut pid) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: OpenProcess takes any pid and returns null when it cannot open it; the
    // handle it returns is ours to close (`Handle`). Query-limited access suffices for
    // OpenProcessToken with TOKEN_QUERY.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(io::Error::last_os_error());
    }
    let process = Handle(process);
    Ok((pid, process_user_sid(process.0)?))
}

/// The SID of the user `process`'s token names, as text.
fn process_user_sid(process: HANDLE) -> io::Result<String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: `process` is a process handle valid for the call (the callers' pseudo-handle
    // or an open handle they own); `token` is a valid place for the out handle.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let token = Handle(token);
    let mut needed = 0u32;
    // SAFETY: asking for the size only: a null buffer of length 0 is allowed, and the call
    // fails with ERROR_INSUFFICIENT_BUFFER after writing the size to `needed`.
    unsafe { GetTokenInformation(token.0, TokenUser, ptr::null_mut(), 0, &mut needed) };
    if needed == 0 {
        return Err(io::Error::last_os_error());
    }
    // u64s: TOKEN_USER holds pointers, so the buffer must be pointer-aligned.
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: `buffer` is writable for `needed` bytes (rounded up) and pointer-aligned.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buffer.as_mut_ptr().cast::<c_void>(),
            needed,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success the buffer starts with a TOKEN_USER whose SID points into the
    // same buffer, which lives until the end of this function.
    let sid = unsafe { (*buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    let mut text: *mut u16 = ptr::null_mut();
    // SAFETY: `sid` is a valid SID (above); `text` is a valid place for the out pointer.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 || text.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success `text` is a NUL-terminated UTF-16 string allocated with
    // LocalAlloc; it is read up to its NUL, then freed once with LocalFree as documented.
    let sid = unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        let sid = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        LocalFree(text.cast::<c_void>());
        sid
    };
    Ok(sid)
}

/// A process or token handle, closed on drop.
struct Handle(HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenProcess or OpenProcessToken, is owned by this
        // value alone and is closed only here.
        unsafe {
            CloseHandle(self.0);
        }
    }
}
