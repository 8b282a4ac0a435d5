//! A throwaway CA and broker certificate, made at broker start, as PEM files Kafka reads directly.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::error::{IoContext, Result};

/// PEM files for the SSL listeners.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The test CA certificate: clients trust this (`ssl.ca.location`).
    pub ca_pem: PathBuf,
    /// Broker private key (PKCS#8) followed by its certificate chain: Kafka's PEM keystore.
    pub keystore_pem: PathBuf,
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

    let ca_pem = dir.join("ca.pem");
    std::fs::write(&ca_pem, ca.pem()).ctx(|| format!("writing {}", ca_pem.display()))?;
    let keystore_pem = dir.join("broker-keystore.pem");
    let keystore = format!("{}{}{}", key.serialize_pem(), cert.pem(), ca.pem());
    std::fs::write(&keystore_pem, keystore)
        .ctx(|| format!("writing {}", keystore_pem.display()))?;
    Ok(TlsFiles {
        ca_pem,
        keystore_pem,
    })
}
