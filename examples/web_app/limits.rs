//! What clients may take, applied where axum lets an application apply it: the listener given to
//! `axum::serve` (connections served at once, time to send a request's headers), the router's layers (a
//! body's size, a whole request's time) and the shutdown.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

/// How long clients may take, how many are served at once, how large a body may be, and how long shutdown
/// waits.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Limits {
    /// Time to send a request's headers, counted from the connection's start or the end of the previous
    /// answer (default 10 s); then the connection is closed. An idle keep-alive connection is closed after
    /// it too.
    pub header_read_timeout: Duration,
    /// Time for a whole request, body and database work included (default 30 s); then 503.
    pub request_timeout: Duration,
    /// Connections served at once (default 256); further clients wait in the listen queue.
    pub max_connections: usize,
    /// The largest request body accepted (default 2 MiB, as axum's); a larger one gets 413.
    pub max_body_bytes: usize,
    /// How long shutdown waits for requests in flight (default 10 s); then their connections are dropped.
    pub shutdown_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
            max_body_bytes: 2 << 20,
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// These limits with other timeouts (header read, whole request, shutdown).
    pub fn with_timeouts(
        mut self,
        header: Duration,
        request: Duration,
        shutdown: Duration,
    ) -> Self {
        (
            self.header_read_timeout,
            self.request_timeout,
            self.shutdown_deadline,
        ) = (header, request, shutdown);
        self
    }

    /// These limits with another connection limit (at least 1).
    pub fn with_max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// These limits with another body size limit, in bytes.
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }
}

/// A TCP listener for `axum::serve` that accepts a connection only when one of `max_connections` slots is
/// free (the connection keeps its slot until it closes) and gives each connection a [`HeadDeadline`].
/// Accept errors (no file descriptors left, a connection reset before it was accepted) are logged and
/// retried by axum's own `Listener` for `TcpListener`, which this one calls.
pub(super) struct LimitedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    header_read_timeout: Duration,
}

impl LimitedListener {
    pub(super) fn new(inner: TcpListener, limits: &Limits) -> Self {
        LimitedListener {
            inner,
            slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            header_read_timeout: limits.header_read_timeout,
        }
    }
}

impl axum::serve::Listener for LimitedListener {
    type Io = HeadDeadline;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let slot = match self.slots.clone().acquire_owned().await {
            Ok(slot) => slot,
            // The semaphore is this listener's own and is never closed.
            Err(_) => std::future::pending().await,
        };
        let (stream, address) = axum::serve::Listener::accept(&mut self.inner).await;
        (
            HeadDeadline::new(stream, slot, self.header_read_timeout),
            address,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// The end of a request's headers.
const HEAD_END: &[u8; 4] = b"\r\n\r\n";

/// A client connection whose request headers must arrive within a deadline: from the connection's start,
/// and again from the first read after each answer, until the blank line that ends the headers. A client
/// that sends nothing, or part of its headers, or drips them a byte at a time, is cut off when the
/// deadline passes (its next read fails with `TimedOut`, and hyper closes the connection). The body and
/// the handler are the request timeout's business. The connection's slot is freed when it is dropped.
pub(super) struct HeadDeadline {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    timeout: Duration,
    state: Head,
}

enum Head {
    /// Waiting for the headers until `deadline`; `matched` bytes of [`HEAD_END`] were the last ones read.
    Reading {
        deadline: Pin<Box<Sleep>>,
        matched: usize,
    },
    /// The headers are in; the request is being served.
    Served,
    /// An answer was written: the next read starts the next request's headers.
    Answered,
}

impl HeadDeadline {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit, timeout: Duration) -> Self {
        HeadDeadline {
            stream,
            _slot: slot,
            timeout,
            state: Head::reading(timeout),
        }
    }
}

impl Head {
    fn reading(timeout: Duration) -> Head {
        Head::Reading {
            deadline: Box::pin(tokio::time::sleep(timeout)),
            matched: 0,
        }
    }
}

impl AsyncRead for HeadDeadline {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if matches!(this.state, Head::Answered) {
            this.state = Head::reading(this.timeout);
        }
        let Head::Reading { deadline, matched } = &mut this.state else {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        };
        let late = || {
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request's headers did not arrive in time",
            )))
        };
        // Bytes dripped in one at a time never leave a read pending: the deadline is checked first.
        if deadline.is_elapsed() {
            return late();
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let mut complete = false;
                for &byte in &buf.filled()[before..] {
                    *matched = match byte {
                        _ if byte == HEAD_END[*matched] => *matched + 1,
                        b'\r' => 1,
                        _ => 0,
                    };
                    if *matched == HEAD_END.len() {
                        complete = true;
                        break;
                    }
                }
                if complete {
                    this.state = Head::Served;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                ready!(deadline.as_mut().poll(cx));
                late()
            }
        }
    }
}

impl AsyncWrite for HeadDeadline {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.stream).poll_write(cx, buf));
        if matches!(written, Ok(n) if n > 0) && matches!(this.state, Head::Served) {
            this.state = Head::Answered;
        }
        Poll::Ready(written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.stream).poll_write_vectored(cx, bufs));
        if matches!(written, Ok(n) if n > 0) && matches!(this.state, Head::Served) {
            this.state = Head::Answered;
        }
        Poll::Ready(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn pair(timeout: Duration) -> (HeadDeadline, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let slot = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        (HeadDeadline::new(server, slot, timeout), client)
    }

    #[tokio::test]
    async fn headers_dripped_past_the_deadline_are_cut_off() {
        let (mut server, mut client) = pair(Duration::from_secs(1)).await;
        let started = std::time::Instant::now();
        let mut buffer = [0u8; 64];
        let mut reads = 0;
        // A byte every 300 ms, for at most 6 s.
        let error = loop {
            assert!(reads < 20, "still reading after {:?}", started.elapsed());
            client.write_all(b"G").await.unwrap();
            match server.read(&mut buffer).await {
                Ok(_) => reads += 1,
                Err(error) => break error,
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert!(reads >= 1, "the first byte, at once, is read");
    }

    #[tokio::test]
    async fn a_request_being_served_has_no_header_deadline_and_the_next_one_has() {
        let (mut server, mut client) = pair(Duration::from_millis(500)).await;
        let mut buffer = [0u8; 64];
        // Headers that end in time, split across reads, with a `\r` repeated.
        client
            .write_all(b"GET / HTTP/1.1\r\r\nHost: x\r\n\r")
            .await
            .unwrap();
        // Loopback delivers a small write whole: the first read has all of it.
        assert_eq!(server.read(&mut buffer).await.unwrap(), 27);
        assert!(matches!(server.state, Head::Reading { matched: 3, .. }));
        client.write_all(b"\n").await.unwrap();
        assert_eq!(server.read(&mut buffer).await.unwrap(), 1);
        assert!(matches!(server.state, Head::Served));
        let waiting = tokio::time::timeout(Duration::from_secs(1), server.read(&mut buffer)).await;
        assert!(
            waiting.is_err(),
            "a request being served has no header deadline"
        );
        server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        let next = tokio::time::timeout(Duration::from_secs(5), server.read(&mut buffer)).await;
        let error = next
            .expect("the next request's headers have a deadline")
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }
}
