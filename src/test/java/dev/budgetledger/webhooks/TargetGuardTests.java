package dev.budgetledger.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetGuardTests {

	private static WebhookSettings settings(boolean allowPrivate, List<String> allowed) {
		return new WebhookSettings(Duration.ofSeconds(1), 100, 4, Duration.ofSeconds(5), Duration.ofSeconds(10), 10,
				Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(24), allowPrivate,
				allowed);
	}

	private static final TargetGuard strict = new TargetGuard(settings(false, List.of()));

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.1",
			"192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.251", "255.255.255.255", "::1", "::",
			"fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
			"::ffff:169.254.169.254", "::10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "fec0::1" })
	void internalAddressesAreRefused(String address) throws UnknownHostException {
		assertThat(strict.refusal(InetAddress.getByName(address))).isPresent();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "93.184.215.14", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111",
			"::ffff:8.8.8.8", "64:ff9b::808:808" })
	void publicAddressesPass(String address) throws UnknownHostException {
		assertThat(strict.refusal(InetAddress.getByName(address))).isEmpty();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "http://example.com:0/hook", "http://example.com:99999/hook", "http://example.com:65536/",
			"http://0177.0.0.1/hook", "http://0x7f.0.0.1/", "http://2130706433/", "http://127.1/", "http://127.0.0.01/",
			"http://1.2.3.4.5/", "http://256.0.0.1/", "http://example.123/", "http://example.com.0x10/" })
	void oddPortsAndAddressSpellingsAreInvalid(String url) {
		assertThatThrownBy(() -> TargetGuard.parse(url)).isInstanceOf(InvalidWebhookUrlException.class);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "http://example.com:1/hook", "https://example.com:65535/", "https://example.com/",
			"http://203.0.113.7:8080/hook", "http://0.0.0.0/", "https://hooks.example.com./",
			"http://[2606:4700::1111]/", "http://a1.example/" })
	void validPortsAndCanonicalAddressesParse(String url) {
		assertThatNoException().isThrownBy(() -> TargetGuard.parse(url));
	}

	@Test
	void theOperatorCanAllowPrivateTargetsOrSomeRanges() throws UnknownHostException {
		TargetGuard open = new TargetGuard(settings(true, List.of()));
		TargetGuard someRanges = new TargetGuard(settings(false, List.of("10.1.2.0/24", "fd00::/8")));

		assertThat(open.refusal(InetAddress.getByName("127.0.0.1"))).isEmpty();
		assertThat(open.refusal(InetAddress.getByName("169.254.169.254"))).isEmpty();
		assertThat(someRanges.refusal(InetAddress.getByName("10.1.2.3"))).isEmpty();
		assertThat(someRanges.refusal(InetAddress.getByName("fd00::5"))).isEmpty();
		assertThat(someRanges.refusal(InetAddress.getByName("10.1.3.1"))).isPresent();
		assertThat(someRanges.refusal(InetAddress.getByName("127.0.0.1"))).isPresent();
	}

	@Test
	void aNameIsRefusedIfAnyOfItsAddressesIsInternal() {
		Map<String, List<String>> dns = Map.of("mixed.example", List.of("93.184.215.14", "10.0.0.7"), "public.example",
				List.of("93.184.215.14", "2606:4700::1111"));
		TargetGuard guard = new TargetGuard(settings(false, List.of()), host -> {
			List<String> answers = dns.get(host);
			if (answers == null) {
				throw new UnknownHostException(host);
			}
			InetAddress[] addresses = new InetAddress[answers.size()];
			for (int i = 0; i < addresses.length; i++) {
				addresses[i] = InetAddress.getByName(answers.get(i));
			}
			return addresses;
		});

		assertThatThrownBy(() -> guard.check("https://mixed.example/hook"))
			.isInstanceOf(WebhookTargetRefusedException.class)
			.hasMessageContaining("10.0.0.7");
		assertThatThrownBy(() -> guard.checkForSave("https://mixed.example/hook"))
			.isInstanceOf(WebhookTargetRefusedException.class);
		assertThatThrownBy(() -> guard.check("https://nowhere.example/hook"))
			.isInstanceOf(WebhookTargetRefusedException.class)
			.hasMessageContaining("does not resolve");
		// saved (it reaches nothing), and refused again before each delivery until it
		// resolves to a public address
		assertThatNoException().isThrownBy(() -> guard.checkForSave("https://nowhere.example/hook"));
		assertThatThrownBy(() -> guard.checkForSave("ftp://nowhere.example/hook"))
			.isInstanceOf(InvalidWebhookUrlException.class);
		assertThatNoException().isThrownBy(() -> guard.check("https://public.example:8443/hook?x=1"));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "ftp://example.com/", "gopher://example.com/", "https://user@example.com/",
			"https://user:secret@example.com/", "//example.com/", "https:///path", "https://example.com/#frag",
			"javascript:alert(1)", "http://exa mple.com/" })
	void onlyPlainHttpUrlsAreAccepted(String url) {
		assertThatThrownBy(() -> TargetGuard.parse(url)).isInstanceOf(InvalidWebhookUrlException.class);
	}

	@Test
	void aBadAllowedRangeStopsTheStart() {
		assertThatThrownBy(() -> settings(false, List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> settings(false, List.of("intranet"))).isInstanceOf(IllegalArgumentException.class);
	}

}
