//! A throwaway CA, broker certificate and client certificate (its key encrypted), made at broker start, as
//! PEM files Kafka and clients read directly.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use base64::Engine as _;
use pkcs8::pkcs5::pbes2;

use crate::error::{IoContext, Result, TestkitError};

/// The passphrase of [`TlsFiles::client_key_pem`].
const CLIENT_KEY_PASSWORD: &str = "testkit-client-key";

/// PEM files for the SSL listeners.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The test CA certificate: clients trust this (`ssl.ca.location`).
    pub ca_pem: PathBuf,
    /// Broker private key (PKCS#8) followed by its certificate chain: Kafka's PEM keystore.
    pub keystore_pem: PathBuf,
    /// A client certificate signed by the test CA, for listeners that require client authentication.
    pub client_cert_pem: PathBuf,
    /// The client certificate's key: PKCS#8 encrypted (PBES2, PBKDF2-SHA256, AES-256-CBC) with
    /// `client_key_password`.
    pub client_key_pem: PathBuf,
    /// The passphrase of `client_key_pem`.
    pub client_key_password: String,
}

/// Writes a CA and a certificate for `localhost` / `127.0.0.1` signed by it into `dir`.
pub(crate) fn generate(dir: &Path) -> Result<TlsFiles> {
    std::fs::create_dir_all(dir).ctx(|| format!("creating {}", dir.display()))?;

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ferrokafka-testkit CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca, &ca_key)?;

    let client_key = KeyPair::generate()?;
    let mut client_params = CertificateParams::new(Vec::<String>::new())?;
    client_params
        .distinguished_name
        .push(DnType::CommonName, "ferrokafka-testkit client");
    client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &ca, &ca_key)?;

    let ca_pem = dir.join("ca.pem");
    std::fs::write(&ca_pem, ca.pem()).ctx(|| format!("writing {}", ca_pem.display()))?;
    let keystore_pem = dir.join("broker-keystore.pem");
    let keystore = format!("{}{}{}", key.serialize_pem(), cert.pem(), ca.pem());
    std::fs::write(&keystore_pem, keystore)
        .ctx(|| format!("writing {}", keystore_pem.display()))?;
    let client_cert_pem = dir.join("client-cert.pem");
    std::fs::write(&client_cert_pem, client_cert.pem())
        .ctx(|| format!("writing {}", client_cert_pem.display()))?;
    let client_key_pem = dir.join("client-key-encrypted.pem");
    let encrypted = encrypt_key(&client_key.serialize_der(), CLIENT_KEY_PASSWORD)?;
    std::fs::write(&client_key_pem, encrypted)
        .ctx(|| format!("writing {}", client_key_pem.display()))?;
    Ok(TlsFiles {
        ca_pem,
        keystore_pem,
        client_cert_pem,
        client_key_pem,
        client_key_password: CLIENT_KEY_PASSWORD.to_string(),
    })
}

/// A PKCS#8 key as an `ENCRYPTED PRIVATE KEY` PEM under `password`. The salt and IV come from the key
/// itself: the key is random, and the file only has to be unreadable without the password.
fn encrypt_key(pkcs8_der: &[u8], password: &str) -> Result<String> {
    let failed = |e: &dyn std::fmt::Display| TestkitError::KeyEncryption(e.to_string());
    let info = pkcs8::PrivateKeyInfo::try_from(pkcs8_der).map_err(|e| failed(&e))?;
    let tail = &pkcs8_der[pkcs8_der.len().saturating_sub(24)..];
    let (salt, iv) = tail.split_at(8);
    let iv: [u8; 16] = iv.try_into().map_err(|e| failed(&e))?;
    let params =
        pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, salt, &iv).map_err(|e| failed(&e))?;
    let der = info
        .encrypt_with_params(params, password.as_bytes())
        .map_err(|e| failed(&e))?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    Ok(format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
        lines.join("\n")
    ))
}
