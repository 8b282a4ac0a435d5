//! rustls client configuration from `SslConfig`: trust `cafile`, check the hostname unless `check_hostname`
//! is false (then the chain is still verified, the name is not), optional client certificate, and
//! password-protected PKCS#8 keys.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use ferrokafka_core::{BrokerRef, Error, SslConfig};

fn config_err(option: &str, path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::config(option, format!("{}: {reason}", path.display()))
}

/// The file `path` cannot be used; the io / PEM / rustls error is the source (and not repeated).
fn config_cause<E: std::error::Error + Send + Sync + 'static>(
    option: &str,
    path: &Path,
    e: E,
) -> Error {
    config_err(option, path, "cannot be used").with_source(e)
}

fn read_certs(path: &Path, option: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = fs::read(path).map_err(|e| config_cause(option, path, e))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| config_cause(option, path, e))?;
    if certs.is_empty() {
        return Err(config_err(option, path, "no PEM certificate found"));
    }
    Ok(certs)
}

/// The key in `path`: plain PKCS#8/PKCS#1/SEC1, or an `ENCRYPTED PRIVATE KEY` decrypted with `password`.
fn read_key(path: &Path, password: Option<&str>) -> Result<PrivateKeyDer<'static>, Error> {
    let option = "ssl_config.keyfile";
    let pem = fs::read_to_string(path).map_err(|e| config_cause(option, path, e))?;
    const BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    const END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
    if let Some(start) = pem.find(BEGIN) {
        let Some(password) = password else {
            return Err(config_err(
                option,
                path,
                "the key is encrypted but ssl_config.password is not set",
            ));
        };
        let body = &pem[start + BEGIN.len()..];
        let end = body
            .find(END)
            .ok_or_else(|| config_err(option, path, "unterminated ENCRYPTED PRIVATE KEY"))?;
        let b64: String = body[..end].split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| config_err(option, path, format!("bad base64: {e}")))?;
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .map_err(|e| config_err(option, path, format!("bad encrypted PKCS#8: {e}")))?;
        let doc = info.decrypt(password.as_bytes()).map_err(|e| {
            config_err(
                option,
                path,
                format!("cannot decrypt (wrong ssl_config.password?): {e}"),
            )
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            doc.as_bytes().to_vec(),
        )));
    }
    rustls_pemfile::private_key(&mut pem.as_bytes())
        .map_err(|e| config_cause(option, path, e))?
        .ok_or_else(|| config_err(option, path, "no PEM private key found"))
}

/// A rustls client configuration for these settings. Errors are `ErrorKind::Config` naming the file.
pub fn client_config(ssl: &SslConfig) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in read_certs(&ssl.cafile, "ssl_config.cafile")? {
        roots
            .add(cert)
            .map_err(|e| config_cause("ssl_config.cafile", &ssl.cafile, e))?;
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| config_cause("ssl_config.cafile", &ssl.cafile, e))?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("ssl_config", e.to_string()))?;
    let builder = if ssl.check_hostname {
        builder.with_webpki_verifier(webpki)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier(webpki)))
    };
    let config = match (&ssl.certfile, &ssl.keyfile) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(
                read_certs(cert, "ssl_config.certfile")?,
                read_key(key, ssl.password.as_deref())?,
            )
            .map_err(|e| config_cause("ssl_config.keyfile", key, e))?,
        (Some(cert), None) => {
            // PyKafka's load_cert_chain accepts a certfile holding the key too.
            builder
                .with_client_auth_cert(
                    read_certs(cert, "ssl_config.certfile")?,
                    read_key(cert, ssl.password.as_deref())?,
                )
                .map_err(|e| config_cause("ssl_config.certfile", cert, e))?
        }
        (None, Some(key)) => {
            return Err(config_err(
                "ssl_config.keyfile",
                key,
                "a keyfile needs a certfile",
            ))
        }
        (None, None) => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The server name to present and verify: an IP address or a DNS name.
pub fn server_name(host: &str, broker: &BrokerRef) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(host.to_string()).map_err(|e| {
        Error::tls(
            broker,
            format!("{host:?} is not a valid TLS server name: {e}"),
        )
    })
}

/// A failed handshake with `broker`: a readable reason, and the rustls error (or the io error when rustls
/// gave none) as the source.
pub fn handshake_error(broker: &BrokerRef, e: std::io::Error) -> Error {
    let error = Error::tls(broker, explain_handshake_error(&e));
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls_error) => error.with_source(rustls_error.clone()),
        None => error.with_source(e),
    }
}

/// A readable reason for a handshake failure, with a hint for the common causes.
pub fn explain_handshake_error(e: &std::io::Error) -> String {
    let inner = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .cloned();
    match inner {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        )) => "the broker's certificate is not signed by a CA in ssl_config.cafile".into(),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => "the broker's certificate does not name this host (set check_hostname=false to skip the name check)".into(),
        // The rustls or io error is source(): not repeated here.
        Some(_) => "handshake failed".into(),
        None => "handshake failed (is this port a TLS listener?)".into(),
    }
}

/// Verifies the chain against the CA but accepts any name: `check_hostname = false`, PyKafka's default.
#[derive(Debug)]
struct ChainOnlyVerifier(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Pki {
        dir: std::path::PathBuf,
        ca: std::path::PathBuf,
        server_chain: Vec<CertificateDer<'static>>,
        server_key: PrivateKeyDer<'static>,
        client_key: KeyPair,
        client_cert: std::path::PathBuf,
    }

    /// A CA, a server certificate for `other.example` only, a client certificate.
    fn make_pki(tag: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("fk-tls-{tag}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let ca_path = dir.join("ca.pem");
        fs::write(&ca_path, ca.pem()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["other.example".to_string()])
            .unwrap()
            .signed_by(&server_key, &ca, &ca_key)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client = CertificateParams::new(vec!["client".to_string()])
            .unwrap()
            .signed_by(&client_key, &ca, &ca_key)
            .unwrap();
        let client_cert = dir.join("client.pem");
        fs::write(&client_cert, client.pem()).unwrap();
        Pki {
            dir,
            ca: ca_path,
            server_chain: vec![server.der().clone()],
            server_key: PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            client_key,
            client_cert,
        }
    }

    /// A TLS echo-one-byte server on 127.0.0.1.
    async fn server(pki: &Pki) -> u16 {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut s) = acceptor.accept(tcp).await {
                        let mut b = [0u8; 1];
                        if s.read_exact(&mut b).await.is_ok() {
                            let _ = s.write_all(&b).await;
                            let _ = s.flush().await;
                        }
                    }
                });
            }
        });
        port
    }

    async fn handshake(ssl: &SslConfig, port: u16) -> Result<(), Error> {
        let config = client_config(ssl)?;
        let mut s = super::super::transport::open(
            "127.0.0.1",
            port,
            &BrokerRef {
                id: Some(1),
                address: "127.0.0.1".into(),
            },
            std::time::Duration::from_secs(5),
            None,
            Some(&config),
        )
        .await?;
        s.write_all(b"x").await.unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.unwrap();
        Ok(())
    }

    #[tokio::test]
    async fn hostname_is_checked_unless_check_hostname_is_false() {
        let pki = make_pki("host");
        let port = server(&pki).await;
        let mut ssl = SslConfig::new(&pki.ca);
        let e = handshake(&ssl, port).await.unwrap_err();
        assert!(e.kind() == ErrorKind::Tls, "{e}");
        assert!(e.to_string().contains("does not name this host"), "{e}");
        ssl.check_hostname = false;
        handshake(&ssl, port).await.unwrap();
        // The chain is still verified: another CA is refused.
        let other = make_pki("other");
        let mut wrong = SslConfig::new(&other.ca);
        wrong.check_hostname = false;
        let e = handshake(&wrong, port).await.unwrap_err();
        assert!(e.to_string().contains("not signed by a CA"), "{e}");
        let _ = fs::remove_dir_all(&pki.dir);
        let _ = fs::remove_dir_all(&other.dir);
    }

    #[test]
    fn encrypted_pkcs8_client_keys_need_the_right_password() {
        let pki = make_pki("key");
        let der = pki.client_key.serialize_der();
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, b"saltsalt", &[7u8; 16])
                .unwrap();
        let encrypted = info.encrypt_with_params(params, b"hunter2").unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(encrypted.as_bytes());
        let key_path = pki.dir.join("client.key");
        fs::write(
            &key_path,
            format!("-----BEGIN ENCRYPTED PRIVATE KEY-----\n{b64}\n-----END ENCRYPTED PRIVATE KEY-----\n"),
        )
        .unwrap();
        let mut ssl = SslConfig::new(&pki.ca);
        ssl.certfile = Some(pki.client_cert.clone());
        ssl.keyfile = Some(key_path);
        ssl.password = Some("hunter2".into());
        client_config(&ssl).unwrap();
        ssl.password = Some("wrong".into());
        let e = client_config(&ssl).unwrap_err();
        assert!(e.to_string().contains("wrong ssl_config.password"), "{e}");
        ssl.password = None;
        assert!(client_config(&ssl).is_err());
        let mut bad = SslConfig::new(pki.dir.join("missing.pem"));
        bad.check_hostname = true;
        let e = client_config(&bad).unwrap_err();
        assert!(e.to_string().contains("missing.pem"), "{e}");
        let _ = fs::remove_dir_all(&pki.dir);
    }
}
