//! A SCRAM client (RFC 5802, RFC 7677) for SCRAM-SHA-256 and SCRAM-SHA-512, without channel binding.
//!
//! client-first → server-first (nonce, salt, iterations) → client-final with the proof → server-final, whose
//! signature is checked so a server that does not know the password cannot pass itself off.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

/// The hash a SCRAM mechanism uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramHash {
    Sha256,
    Sha512,
}

/// Iteration counts outside this range are refused: Kafka allows 4096..=16384; a huge count is a DoS.
const MAX_ITERATIONS: u32 = 1_000_000;

impl ScramHash {
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => {
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
                    .expect("HMAC accepts keys of any length");
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
            ScramHash::Sha512 => {
                let mut m = <Hmac<Sha512> as Mac>::new_from_slice(key)
                    .expect("HMAC accepts keys of any length");
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
            ScramHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn salted_password(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => {
                let mut out = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
                out.to_vec()
            }
            ScramHash::Sha512 => {
                let mut out = [0u8; 64];
                pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
                out.to_vec()
            }
        }
    }
}

/// Why a SCRAM exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("malformed server message: {0}")]
    Malformed(String),
    #[error("server refused: {0}")]
    ServerError(String),
    #[error("server nonce does not extend the client nonce")]
    NonceMismatch,
    #[error("server signature does not match: the server does not know the password")]
    BadServerSignature,
    #[error("iteration count {0} outside 1..={MAX_ITERATIONS}")]
    BadIterations(u32),
}

/// One SCRAM conversation.
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    client_nonce: String,
    client_first_bare: String,
    server_signature: Option<Vec<u8>>,
}

/// `=` → `=3D`, `,` → `=2C` (RFC 5802 §5.1 saslname).
fn escape_username(u: &str) -> String {
    u.replace('=', "=3D").replace(',', "=2C")
}

fn attr(msg: &str, key: char) -> Option<&str> {
    msg.split(',')
        .find_map(|part| part.strip_prefix(key).and_then(|p| p.strip_prefix('=')))
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

impl ScramClient {
    /// A conversation with a random 24-byte nonce.
    pub fn new(hash: ScramHash, username: &str, password: &str) -> Self {
        let nonce: [u8; 24] = rand::random();
        Self::with_nonce(hash, username, password, &B64.encode(nonce))
    }

    /// A conversation with a given nonce (tests use the RFC's).
    pub fn with_nonce(hash: ScramHash, username: &str, password: &str, nonce: &str) -> Self {
        ScramClient {
            hash,
            password: password.to_string(),
            client_nonce: nonce.to_string(),
            client_first_bare: format!("n={},r={nonce}", escape_username(username)),
            server_signature: None,
        }
    }

    /// The client-first message (gs2 header "n,," = no channel binding, no authzid).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Read server-first, return client-final (with the proof).
    pub fn client_final(&mut self, server_first: &str) -> Result<String, ScramError> {
        if let Some(e) = attr(server_first, 'e') {
            return Err(ScramError::ServerError(e.to_string()));
        }
        let nonce = attr(server_first, 'r')
            .ok_or_else(|| ScramError::Malformed(format!("no nonce in {server_first:?}")))?;
        if !nonce.starts_with(&self.client_nonce) || nonce.len() <= self.client_nonce.len() {
            return Err(ScramError::NonceMismatch);
        }
        let salt = attr(server_first, 's')
            .and_then(|s| B64.decode(s).ok())
            .ok_or_else(|| ScramError::Malformed(format!("no valid salt in {server_first:?}")))?;
        let iterations: u32 = attr(server_first, 'i')
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| {
                ScramError::Malformed(format!("no valid iteration count in {server_first:?}"))
            })?;
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(ScramError::BadIterations(iterations));
        }
        let h = self.hash;
        let salted = h.salted_password(self.password.as_bytes(), &salt, iterations);
        let client_key = h.hmac(&salted, b"Client Key");
        let stored_key = h.hash(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = h.hmac(&stored_key, auth_message.as_bytes());
        let proof = xor(&client_key, &client_signature);
        let server_key = h.hmac(&salted, b"Server Key");
        self.server_signature = Some(h.hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Check server-final's signature.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), ScramError> {
        if let Some(e) = attr(server_final, 'e') {
            return Err(ScramError::ServerError(e.to_string()));
        }
        let v = attr(server_final, 'v')
            .and_then(|v| B64.decode(v).ok())
            .ok_or_else(|| ScramError::Malformed(format!("no verifier in {server_final:?}")))?;
        match &self.server_signature {
            Some(expected) if *expected == v => Ok(()),
            _ => Err(ScramError::BadServerSignature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3 test vector.
    #[test]
    fn rfc7677_scram_sha256() {
        let mut c =
            ScramClient::with_nonce(ScramHash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(c.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let fin = c.client_final(server_first).unwrap();
        assert_eq!(
            fin,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert_eq!(
            c.verify_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Err(ScramError::BadServerSignature)
        );
    }

    /// SHA-512 has no RFC vector: check the proof the way a server would (RFC 5802 §3).
    #[test]
    fn scram_sha512_proof_verifies_like_a_server() {
        let mut c = ScramClient::with_nonce(ScramHash::Sha512, "a,b=c", "pw", "cnonce");
        assert_eq!(c.client_first(), "n,,n=a=2Cb=3Dc,r=cnonce");
        let server_first = "r=cnonceSERVER,s=c2FsdA==,i=4096";
        let fin = c.client_final(server_first).unwrap();
        let proof = B64.decode(attr(&fin, 'p').unwrap()).unwrap();
        let h = ScramHash::Sha512;
        let salted = h.salted_password(b"pw", b"salt", 4096);
        let stored = h.hash(&h.hmac(&salted, b"Client Key"));
        let auth = format!("n=a=2Cb=3Dc,r=cnonce,{server_first},c=biws,r=cnonceSERVER");
        let client_key = xor(&proof, &h.hmac(&stored, auth.as_bytes()));
        assert_eq!(h.hash(&client_key), stored);
        let server_sig = h.hmac(&h.hmac(&salted, b"Server Key"), auth.as_bytes());
        c.verify_server_final(&format!("v={}", B64.encode(server_sig)))
            .unwrap();
    }

    #[test]
    fn bad_server_messages_are_errors() {
        let mut c = ScramClient::with_nonce(ScramHash::Sha256, "u", "p", "abc");
        assert_eq!(
            c.client_final("r=xyz,s=c2FsdA==,i=4096"),
            Err(ScramError::NonceMismatch)
        );
        assert!(matches!(
            c.client_final("r=abcd,s=c2FsdA==,i=999999999"),
            Err(ScramError::BadIterations(_))
        ));
        assert!(matches!(
            c.client_final("e=invalid-proof"),
            Err(ScramError::ServerError(_))
        ));
        assert!(matches!(
            c.client_final("garbage"),
            Err(ScramError::Malformed(_))
        ));
    }
}
