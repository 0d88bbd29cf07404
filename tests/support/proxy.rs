//! A MySQL-protocol proxy on loopback that cuts a connection at a chosen command: the way a network, a
//! load balancer or TiDB itself ("result undetermined, close this connection") loses a commit's answer.
//!
//! It reads what the client sends packet by packet (a 3-byte length, a sequence number, the payload) and
//! passes the server's answers through untouched. A command is a packet with sequence number 0; its
//! payload's first byte says which (`0x03` a text query such as `COMMIT`, `0x17` a prepared statement's
//! execution). When a [`Cut`] matches, the proxy forwards the command to the server or not, then closes
//! both sides of that connection: the server still runs a forwarded command (it reads the command before
//! it meets the end of the stream) and the client never hears its answer. Connections need TLS off
//! (`ssl-mode=disabled`) for the proxy to read them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// `COM_QUERY`: a statement as text (sqlx sends `COMMIT` and `ROLLBACK` this way).
pub const COM_QUERY: u8 = 0x03;
/// `COM_STMT_EXECUTE`: a prepared statement's execution (a statement with bound values).
pub const COM_STMT_EXECUTE: u8 = 0x17;

/// Where to cut: the `nth` command of this kind (1 = the next) after [`Proxy::arm`].
#[derive(Clone, Copy, Debug)]
pub struct Cut {
    /// The command byte.
    pub command: u8,
    /// For a text query: what its text starts with (ASCII case ignored), e.g. `"COMMIT"`.
    pub text: Option<&'static str>,
    /// Whether the server gets the command before the connection is cut.
    pub forward: bool,
    /// Which matching command.
    pub nth: u32,
    /// Whether, once the cut happened, every other open connection is closed too and every new one
    /// refused (a server out of reach), until [`Proxy::heal`].
    pub then_refuse: bool,
}

impl Cut {
    /// The next `COMMIT`, forwarded: the transaction commits and the client never learns it.
    pub fn after_commit() -> Cut {
        Cut {
            command: COM_QUERY,
            text: Some("COMMIT"),
            forward: true,
            nth: 1,
            then_refuse: false,
        }
    }

    /// The next `COMMIT`, not forwarded: the server sees the connection end in a transaction and rolls
    /// it back.
    pub fn before_commit() -> Cut {
        Cut {
            forward: false,
            ..Cut::after_commit()
        }
    }
}

/// The proxy: listens on a loopback port of its own and forwards to `upstream`.
pub struct Proxy {
    /// The port to connect to.
    pub port: u16,
    cut: Arc<Mutex<Option<Cut>>>,
    refuse: Arc<tokio::sync::watch::Sender<Down>>,
    cuts: Arc<AtomicU32>,
    accept: tokio::task::JoinHandle<()>,
}

/// Whether the server behind the proxy is reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Down {
    /// Reachable.
    No,
    /// Gone: a new connection is closed at once (a refused connection).
    Refusing,
    /// Unreachable: a new connection gets no answer at all (a host that drops packets).
    Silent,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("its address").port();
        let cut = Arc::new(Mutex::new(None));
        let refuse = Arc::new(tokio::sync::watch::channel(Down::No).0);
        let cuts = Arc::new(AtomicU32::new(0));
        let state = (cut.clone(), refuse.clone(), cuts.clone());
        let accept = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((client, _)) = listener.accept().await {
                match *state.1.borrow() {
                    Down::No => {}
                    Down::Refusing => continue,
                    Down::Silent => {
                        held.push(client);
                        continue;
                    }
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (cut, refuse, cuts) = (state.0.clone(), state.1.clone(), state.2.clone());
                tokio::spawn(relay(client, server, cut, refuse, cuts));
            }
        });
        Proxy {
            port,
            cut,
            refuse,
            cuts,
            accept,
        }
    }

    /// Cuts the connection that sends the matching command.
    pub fn arm(&self, cut: Cut) {
        *self.cut.lock().unwrap() = Some(cut);
    }

    /// Closes every open connection and refuses new ones now (a server gone away), until [`Proxy::heal`].
    pub fn take_down(&self) {
        self.refuse.send_replace(Down::Refusing);
    }

    /// Closes every open connection, and leaves new ones unanswered (a host that no longer answers: a
    /// client waits until its own timeout), until [`Proxy::heal`].
    pub fn go_silent(&self) {
        self.refuse.send_replace(Down::Silent);
    }

    /// Takes connections again after a cut that refuses them.
    pub fn heal(&self) {
        self.refuse.send_replace(Down::No);
    }

    /// How many connections were cut so far.
    pub fn cuts(&self) -> u32 {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    cut: Arc<Mutex<Option<Cut>>>,
    refuse: Arc<tokio::sync::watch::Sender<Down>>,
    cuts: Arc<AtomicU32>,
) {
    let mut out_of_reach = refuse.subscribe();
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let answers = tokio::io::copy(&mut server_read, &mut client_write);
    let requests = async {
        let mut header = [0u8; 4];
        loop {
            if client_read.read_exact(&mut header).await.is_err() {
                return;
            }
            let length =
                usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
            let mut payload = vec![0u8; length];
            if client_read.read_exact(&mut payload).await.is_err() {
                return;
            }
            let cut_here = if header[3] == 0 {
                take(&cut, &payload)
            } else {
                None
            };
            let Some(cut_here) = cut_here else {
                if server_write.write_all(&header).await.is_err()
                    || server_write.write_all(&payload).await.is_err()
                {
                    return;
                }
                continue;
            };
            if cut_here.then_refuse {
                refuse.send_replace(Down::Refusing);
            }
            if cut_here.forward {
                let _ = server_write.write_all(&header).await;
                let _ = server_write.write_all(&payload).await;
                let _ = server_write.flush().await;
            }
            cuts.fetch_add(1, Ordering::SeqCst);
            return;
        }
    };
    // Whichever side ends first ends the connection: both sockets close when this returns.
    tokio::select! {
        _ = answers => {}
        _ = requests => {}
        _ = out_of_reach.wait_for(|down| *down != Down::No) => {}
    }
}

fn matches(cut: &Cut, payload: &[u8]) -> bool {
    payload.first() == Some(&cut.command)
        && cut.text.is_none_or(|text| {
            payload.len() > text.len()
                && payload[1..=text.len()].eq_ignore_ascii_case(text.as_bytes())
        })
}

/// The armed cut, when `payload` is the command it waits for (and counting down to it otherwise).
fn take(cut: &Mutex<Option<Cut>>, payload: &[u8]) -> Option<Cut> {
    let mut armed = cut.lock().unwrap();
    let mut c = (*armed).filter(|c| matches(c, payload))?;
    c.nth -= 1;
    if c.nth > 0 {
        *armed = Some(c);
        return None;
    }
    *armed = None;
    Some(c)
}
