package dev.budgetledger.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 connection, kept alive, with blocking reads: what {@code wrk} or
 * {@code h2load} do, in a hundred lines. The benchmark's load generator shares the two
 * cores with the service and PostgreSQL, so its own CPU per request counts against the
 * service; {@code java.net.http.HttpClient} (asynchronous, a selector thread, a handful
 * of allocations and hand-offs per exchange) costs several times more per request than
 * this (docs/benchmarks.md).
 * <p>
 * It sends a request with a body and reads the whole answer: the status line, the
 * headers, then the body by {@code Content-Length} or chunked encoding. A response that
 * says {@code Connection: close} closes the socket and the next request opens a new one.
 * Not thread-safe: one per client thread.
 */
final class PlainHttp implements AutoCloseable {

	/** A status and the body as text. */
	record Response(int status, String body) {
	}

	private final String host;

	private final int port;

	private final int timeoutMillis;

	private Socket socket;

	private InputStream in;

	private OutputStream out;

	PlainHttp(String host, int port, int timeoutMillis) {
		this.host = host;
		this.port = port;
		this.timeoutMillis = timeoutMillis;
	}

	Response post(String path, String authorization, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		String head = "POST " + path + " HTTP/1.1\r\nHost: " + this.host + ":" + this.port + "\r\nAuthorization: "
				+ authorization + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: "
				+ body.length + "\r\n\r\n";
		byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
		byte[] request = new byte[headBytes.length + body.length];
		System.arraycopy(headBytes, 0, request, 0, headBytes.length);
		System.arraycopy(body, 0, request, headBytes.length, body.length);
		open();
		try {
			this.out.write(request);
			this.out.flush();
			return read();
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
	}

	private void open() throws IOException {
		if (this.socket != null) {
			return;
		}
		Socket opened = new Socket();
		opened.setTcpNoDelay(true);
		opened.setSoTimeout(this.timeoutMillis);
		opened.connect(new InetSocketAddress(this.host, this.port), this.timeoutMillis);
		this.socket = opened;
		this.in = new BufferedInputStream(opened.getInputStream(), 16 * 1024);
		this.out = opened.getOutputStream();
	}

	private Response read() throws IOException {
		String statusLine = line();
		if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
			throw new IOException("Not an HTTP/1.1 status line: " + statusLine);
		}
		int status = Integer.parseInt(statusLine.substring(9, 12));
		long length = -1;
		boolean chunked = false;
		boolean closing = false;
		for (String header = line(); !header.isEmpty(); header = line()) {
			int colon = header.indexOf(':');
			if (colon < 0) {
				throw new IOException("Malformed header: " + header);
			}
			String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
			String value = header.substring(colon + 1).trim();
			switch (name) {
				case "content-length" -> length = Long.parseLong(value);
				case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
				case "connection" -> closing = value.equalsIgnoreCase("close");
				default -> {
				}
			}
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream(512);
		if (chunked) {
			for (long size = chunkSize(); size > 0; size = chunkSize()) {
				copy(size, body);
				line();
			}
			while (!line().isEmpty()) {
				// trailers
			}
		}
		else if (length >= 0) {
			copy(length, body);
		}
		else {
			throw new IOException("A response with neither Content-Length nor chunked encoding");
		}
		if (closing) {
			close();
		}
		return new Response(status, body.toString(StandardCharsets.UTF_8));
	}

	private long chunkSize() throws IOException {
		String line = line();
		int extension = line.indexOf(';');
		return Long.parseLong((extension < 0) ? line.trim() : line.substring(0, extension).trim(), 16);
	}

	private void copy(long length, ByteArrayOutputStream to) throws IOException {
		byte[] buffer = new byte[(int) Math.min(length, 8192)];
		long left = length;
		while (left > 0) {
			int read = this.in.read(buffer, 0, (int) Math.min(left, buffer.length));
			if (read < 0) {
				throw new EOFException("The connection closed " + left + " bytes before the end of the body");
			}
			to.write(buffer, 0, read);
			left -= read;
		}
	}

	/** One CRLF-terminated line, without the CRLF. */
	private String line() throws IOException {
		StringBuilder line = new StringBuilder(64);
		while (true) {
			int b = this.in.read();
			if (b < 0) {
				throw new EOFException("The connection closed in the middle of a response");
			}
			if (b == '\n') {
				int end = line.length();
				return (end > 0 && line.charAt(end - 1) == '\r') ? line.substring(0, end - 1) : line.toString();
			}
			line.append((char) b);
		}
	}

	@Override
	public void close() {
		if (this.socket != null) {
			try {
				this.socket.close();
			}
			catch (IOException ignored) {
				// closing anyway
			}
			this.socket = null;
			this.in = null;
			this.out = null;
		}
	}

}
