package dev.budgetledger.client.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider that takes the whole request and then closes the connection without an answer: the case where the
 * caller cannot know whether it was billed.
 */
public final class HangUp implements AutoCloseable {

	private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

	private final ServerSocket server;

	private final AtomicInteger requests = new AtomicInteger();

	public HangUp() {
		try {
			this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		Thread acceptor = new Thread(this::accept, "hang-up");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	public String baseUrl() {
		return "http://127.0.0.1:" + this.server.getLocalPort() + "/v1";
	}

	/** How many requests arrived whole before their connection was closed. */
	public int requests() {
		return this.requests.get();
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try (Socket socket = this.server.accept()) {
				readRequest(socket.getInputStream());
				this.requests.incrementAndGet();
			}
			catch (IOException ex) {
				// closed: the test is over
			}
		}
	}

	private static void readRequest(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.indexOf("\r\n\r\n") < 0) {
			int next = in.read();
			if (next < 0) {
				return;
			}
			head.append((char) next);
		}
		Matcher length = CONTENT_LENGTH.matcher(head);
		if (length.find()) {
			in.readNBytes(Integer.parseInt(length.group(1)));
		}
		else if (head.toString().toLowerCase().contains("transfer-encoding: chunked")) {
			// read chunks until the last, empty one
			while (true) {
				String size = readLine(in);
				int bytes = Integer.parseInt(size.trim().split(";")[0], 16);
				in.readNBytes(bytes + 2);
				if (bytes == 0) {
					return;
				}
			}
		}
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int next;
		while ((next = in.read()) >= 0 && next != '\n') {
			if (next != '\r') {
				line.append((char) next);
			}
		}
		return line.toString();
	}

	@Override
	public void close() {
		try {
			this.server.close();
		}
		catch (IOException ex) {
			// nothing left to close
		}
	}

}
