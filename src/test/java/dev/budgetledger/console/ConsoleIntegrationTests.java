package dev.budgetledger.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's files are served to anyone, read-only, under a Content-Security-Policy
 * that runs only this origin's scripts; the pages themselves call nothing but the /v1
 * API. What the pages do is checked in a browser by
 * {@link ConsoleEndToEndIntegrationTests}.
 */
class ConsoleIntegrationTests extends IntegrationTest {

	private static final Path FILES = Path.of("src/main/resources/static/console");

	@Test
	void theEntryPageIsServedWithAStrictContentSecurityPolicy() {
		Api.Response page = this.api.anonymous().get("/console/");

		assertThat(page.status()).isEqualTo(200);
		assertThat(page.contentType()).startsWith("text/html");
		assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\"></script>");
		String policy = page.header("Content-Security-Policy").orElseThrow();
		assertThat(policy).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'",
				"frame-ancestors 'none'");
		assertThat(policy).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
		assertThat(page.header("X-Frame-Options")).hasValue("DENY");
	}

	@Test
	void theBarePathRedirectsToTheEntryPage() {
		Api.Response bare = this.api.anonymous().get("/console");

		assertThat(bare.status()).isEqualTo(302);
		assertThat(bare.header("Location")).hasValue("/console/");
	}

	@Test
	void everyFileOfTheConsoleIsServedWithItsType() throws IOException {
		List<Path> files = files();
		assertThat(files).hasSizeGreaterThan(5);
		for (Path file : files) {
			String path = "/console/" + FILES.relativize(file).toString().replace('\\', '/');
			Api.Response response = this.api.anonymous().get(path);
			assertThat(response.status()).as(path).isEqualTo(200);
			assertThat(response.header("Content-Security-Policy")).as(path).isPresent();
			if (path.endsWith(".js")) {
				// Module scripts only run with a JavaScript type.
				assertThat(response.contentType()).as(path).startsWith("text/javascript");
			}
		}
	}

	@Test
	void thePagesHaveNoInlineScriptsOrStylesAndLoadNothingFromElsewhere() throws IOException {
		String html = Files.readString(FILES.resolve("index.html"));
		Matcher scripts = Pattern.compile("<script([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
		int count = 0;
		while (scripts.find()) {
			count++;
			assertThat(scripts.group(1)).contains("src=");
			assertThat(scripts.group(2)).isBlank();
		}
		assertThat(count).isEqualTo(1);
		assertThat(html).doesNotContain("<style", " style=", " onclick=", " onload=");
		for (Path file : files()) {
			String text = Files.readString(file);
			assertThat(text).as(file.toString())
				.doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg|example\\.com)");
			assertThat(text).as(file.toString())
				.doesNotContain("innerHTML", "eval(", "localStorage.", "document.cookie");
		}
	}

	@Test
	void aMissingFileIsAProblemLikeAnyOther() {
		Api.Response missing = this.api.anonymous().get("/console/no-such-file.js");

		assertThat(missing.status()).isEqualTo(404);
		assertThat(missing.contentType()).startsWith("application/problem+json");
	}

	@Test
	void onlyReadingIsAllowedThere() {
		Api.Response post = this.api.send("POST", "/console/index.html", "text/plain", "x");

		assertThat(post.status()).isEqualTo(401);
		assertThat(post.contentType()).startsWith("application/problem+json");
	}

	@Test
	void theIconEveryBrowserAsksForIsServedWithoutAKey() {
		Api.Response icon = this.api.anonymous().get("/favicon.ico");
		assertThat(icon.status()).as(icon.toString()).isEqualTo(200);
		assertThat(icon.contentType()).isIn("image/x-icon", "image/vnd.microsoft.icon");
	}

	@Test
	void theApiStaysProtected() {
		assertThat(this.api.anonymous().get("/v1/budgets").status()).isEqualTo(401);
	}

	private static List<Path> files() throws IOException {
		try (Stream<Path> walk = Files.walk(FILES)) {
			return walk.filter(Files::isRegularFile).sorted().toList();
		}
		catch (UncheckedIOException ex) {
			throw ex.getCause();
		}
	}

}
