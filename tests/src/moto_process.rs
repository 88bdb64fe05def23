//! A moto server process the test owns, so a test can restart it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::stack_presence::stack_variable;

pub const MOTO_SERVER_VARIABLE: &str = "BROKERHOOKS_MOTO_SERVER";

pub struct MotoProcess {
    child: Child,
    pub port: u16,
}

impl MotoProcess {
    /// The `moto_server` the test command installed (`BROKERHOOKS_MOTO_SERVER`); `None`
    /// (the test skips) without it, see [`crate::stack_presence`].
    pub fn binary_from_env() -> Option<String> {
        stack_variable(MOTO_SERVER_VARIABLE)
    }

    /// Starts `binary` (a `moto_server`) on 127.0.0.1:`port` (0 = a free port) and waits
    /// until it answers.
    pub async fn start(binary: &str, port: u16) -> Result<Self, String> {
        let port = if port == 0 { free_port()? } else { port };
        let child = Command::new(binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let process = MotoProcess { child, port };
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(process);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("moto_server did not listen on {port}"))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the process and waits for it; its in-memory state is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for MotoProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
