package dev.budgetledger.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range such as {@code 10.0.0.0/8} or {@code fc00::/7}. */
record Cidr(byte[] network, int prefix) {

	static Cidr parse(String text) {
		int slash = text.indexOf('/');
		String address = (slash < 0) ? text.trim() : text.substring(0, slash).trim();
		if (!address.matches("[0-9a-fA-F:.]+")) {
			throw new IllegalArgumentException("Not an IP range: " + text);
		}
		byte[] bytes;
		try {
			bytes = InetAddress.getByName(address).getAddress();
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException("Not an IP range: " + text, ex);
		}
		int prefix = (slash < 0) ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1).trim());
		if (prefix < 0 || prefix > bytes.length * 8) {
			throw new IllegalArgumentException("Bad prefix length in " + text);
		}
		return new Cidr(bytes, prefix);
	}

	boolean contains(InetAddress address) {
		byte[] bytes = address.getAddress();
		if (bytes.length != this.network.length) {
			return false;
		}
		for (int bit = 0; bit < this.prefix; bit++) {
			int mask = 0x80 >>> (bit % 8);
			if ((bytes[bit / 8] & mask) != (this.network[bit / 8] & mask)) {
				return false;
			}
		}
		return true;
	}

}
