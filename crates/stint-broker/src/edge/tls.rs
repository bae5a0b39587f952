//! HTTPS in the broker itself: a PEM certificate chain and key, read at start and again on
//! SIGHUP. A reload that fails keeps the certificate in use and says why, as a bad policy
//! file does; connections already open keep the one they were made with.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate file {path}: {why}")]
    Cert { path: String, why: String },
    #[error("cannot read the TLS key file {path}: {why}")]
    Key { path: String, why: String },
    #[error("the TLS certificate in {cert} does not go with the key in {key}: {why}")]
    Mismatch {
        cert: String,
        key: String,
        why: String,
    },
}

/// The certificate in force, swapped whole on reload.
pub struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<TlsAcceptor>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TlsFiles {
    /// Reads both files; the broker does not start on a bad pair.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<TlsFiles>, TlsError> {
        let acceptor = acceptor(cert, key)?;
        Ok(Arc::new(TlsFiles {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: RwLock::new(acceptor),
        }))
    }

    /// What new connections are accepted with.
    pub fn acceptor(&self) -> TlsAcceptor {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the files again; on success new connections use them.
    pub fn reload(&self) -> Result<(), TlsError> {
        let next = acceptor(&self.cert, &self.key)?;
        match self.current.write() {
            Ok(mut current) => *current = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }
}

fn acceptor(cert_path: &Path, key_path: &Path) -> Result<TlsAcceptor, TlsError> {
    let cert_error = |why: String| TlsError::Cert {
        path: cert_path.display().to_string(),
        why,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(cert_error(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        ));
    }
    // The key's own parse errors never quote it.
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| TlsError::Key {
        path: key_path.display().to_string(),
        why: format!("{e}; it must hold one PEM private key (PKCS#8, PKCS#1 or SEC1)"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_error(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Mismatch {
            cert: cert_path.display().to_string(),
            key: key_path.display().to_string(),
            why: e.to_string(),
        })?;
    // HTTP/1.1 only: the header-read timeout that sheds slow clients is HTTP/1's, and
    // every Stint client speaks it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
