package dev.budgetledger.webhooks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Keeps webhooks from being used to reach the service's own network (SSRF). A URL is
 * refused unless it is http(s) without credentials and every address its host resolves to
 * is public, or in a range the operator allowed. It is checked when a webhook is created
 * or changed, and again before every delivery, because a name can resolve to something
 * else later (DNS rebinding).
 */
@Component
public class TargetGuard {

	/**
	 * Ranges no webhook may reach unless allowed: private, loopback, link-local,
	 * unique-local, multicast, ...
	 */
	private static final List<Cidr> REFUSED = List
		.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
				"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
				"224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fe80::/10", "fec0::/10", "fc00::/7", "ff00::/8",
				"2001:db8::/32")
		.stream()
		.map(Cidr::parse)
		.toList();

	/** Turns a host name into addresses; tests replace it to play DNS. */
	interface Resolver {

		InetAddress[] resolve(String host) throws UnknownHostException;

	}

	private final WebhookSettings settings;

	private final List<Cidr> allowed;

	private final Resolver resolver;

	@Autowired
	TargetGuard(WebhookSettings settings) {
		this(settings, InetAddress::getAllByName);
	}

	TargetGuard(WebhookSettings settings, Resolver resolver) {
		this.settings = settings;
		this.allowed = settings.allowedTargets().stream().map(Cidr::parse).toList();
		this.resolver = resolver;
	}

	/**
	 * Checks a URL a caller wants to save. A host that does not resolve (yet, or during a
	 * DNS outage) is accepted: it reaches nothing, and {@link #check} runs again before
	 * every delivery.
	 * @throws InvalidWebhookUrlException if it is not an http(s) URL without credentials
	 * @throws WebhookTargetRefusedException if its host resolves to a refused address
	 */
	public URI checkForSave(String url) {
		try {
			return check(url);
		}
		catch (UnresolvedHostException ex) {
			return parse(url);
		}
	}

	/**
	 * Refused because the host does not resolve: at delivery time a failed attempt, at
	 * save time no objection.
	 */
	static final class UnresolvedHostException extends WebhookTargetRefusedException {

		UnresolvedHostException(String url) {
			super(url, "its host does not resolve");
		}

	}

	/**
	 * Checks a URL right before a delivery.
	 * @throws InvalidWebhookUrlException if it is not an http(s) URL without credentials
	 * @throws WebhookTargetRefusedException if its host does not resolve or resolves to a
	 * refused address
	 */
	public URI check(String url) {
		URI uri = parse(url);
		String host = uri.getHost();
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		InetAddress[] addresses;
		try {
			addresses = this.resolver.resolve(host);
		}
		catch (UnknownHostException ex) {
			throw new UnresolvedHostException(url);
		}
		for (InetAddress address : addresses) {
			refusal(address).ifPresent(reason -> {
				throw new WebhookTargetRefusedException(url, reason);
			});
		}
		return uri;
	}

	static URI parse(String url) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			throw new InvalidWebhookUrlException("is not a URL");
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("http") && !scheme.equals("https")) {
			throw new InvalidWebhookUrlException("must be an http or https URL");
		}
		if (uri.getRawUserInfo() != null) {
			throw new InvalidWebhookUrlException("must not carry credentials");
		}
		if (uri.getHost() == null || uri.getHost().isEmpty()) {
			throw new InvalidWebhookUrlException("must name a host");
		}
		if (uri.getRawFragment() != null) {
			throw new InvalidWebhookUrlException("must not have a fragment");
		}
		if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
			throw new InvalidWebhookUrlException("must have a port from 1 to 65535");
		}
		String host = uri.getHost();
		if (!host.startsWith("[") && looksNumeric(host) && !CANONICAL_IPV4.matcher(host).matches()) {
			// 0177.0.0.1 is 177.0.0.1 to Java but 127.0.0.1 to curl and browsers;
			// 2130706433 and 0x7f.1 are loopback to
			// some readers too. An address that different clients read differently cannot
			// be checked: only the one
			// spelling every reader agrees on is accepted.
			throw new InvalidWebhookUrlException("must spell an IPv4 address as four decimal numbers from 0 to 255 "
					+ "without leading zeros (such as 203.0.113.7)");
		}
		return uri;
	}

	private static final java.util.regex.Pattern CANONICAL_IPV4 = java.util.regex.Pattern
		.compile("^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$");

	/**
	 * Whether a host would be read as an IPv4 address by some client: its last label is a
	 * number (decimal, or hex with 0x), as the URL standard has it; DNS names never end
	 * in one.
	 */
	private static boolean looksNumeric(String host) {
		String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
		String last = trimmed.substring(trimmed.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
		return !last.isEmpty() && (last.chars().allMatch(Character::isDigit)
				|| (last.startsWith("0x") && last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0)));
	}

	/** Why an address may not be reached, if it may not. */
	Optional<String> refusal(InetAddress address) {
		if (this.settings.allowPrivateTargets() || this.allowed.stream().anyMatch(range -> range.contains(address))) {
			return Optional.empty();
		}
		InetAddress embedded = embeddedIpv4(address);
		for (InetAddress candidate : (embedded != null) ? List.of(address, embedded) : List.of(address)) {
			if (REFUSED.stream().anyMatch(range -> range.contains(candidate)) || candidate.isAnyLocalAddress()
					|| candidate.isLoopbackAddress() || candidate.isLinkLocalAddress() || candidate.isSiteLocalAddress()
					|| candidate.isMulticastAddress()) {
				return Optional.of("it resolves to " + address.getHostAddress()
						+ ", a private, loopback, link-local or otherwise internal address");
			}
		}
		return Optional.empty();
	}

	/**
	 * The IPv4 address inside an IPv6 one that carries it (IPv4-mapped, IPv4-compatible,
	 * NAT64, 6to4), so {@code ::ffff:10.0.0.1} is judged as {@code 10.0.0.1}. The JDK
	 * turns IPv4-mapped literals into IPv4 already; the rest it does not.
	 */
	private static @Nullable InetAddress embeddedIpv4(InetAddress address) {
		if (!(address instanceof Inet6Address)) {
			return null;
		}
		byte[] b = address.getAddress();
		boolean zeros80 = Arrays.equals(Arrays.copyOfRange(b, 0, 10), new byte[10]);
		boolean mapped = zeros80 && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
		boolean compatible = zeros80 && b[10] == 0 && b[11] == 0;
		boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b
				&& Arrays.equals(Arrays.copyOfRange(b, 4, 12), new byte[8]);
		try {
			if (mapped || compatible || nat64) {
				return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
			}
			if (b[0] == 0x20 && b[1] == 0x02) {
				return InetAddress.getByAddress(Arrays.copyOfRange(b, 2, 6));
			}
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("Four bytes are always an IPv4 address", ex);
		}
		return null;
	}

}
