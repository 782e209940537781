package dev.budgetledger.console;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The console in a real browser against the real service: Debian's headless Chromium,
 * driven by {@code playwright-core} (pinned in src/test/console-e2e, installed with
 * {@code npm ci} on first use; Playwright never downloads a browser). The script signs
 * in, builds a budget tree, reserves through the API, and checks the bars, the denial, a
 * freeze, the live holds, the dashboard's figures against the API, a drill-down, the CSV
 * and JSON exports, the API keys, a budget's allowed models, per-subject budgets with
 * close and reopen, and run caps and minute windows; see docs/console.md. Needs Node.js
 * 18+ and {@code /usr/bin/chromium} (or {@code CHROMIUM}); without them it fails, saying
 * what to install. Tagged e2e: it runs in {@code ./mvnw -Pe2e verify}, not in the build
 * that needs only a JDK.
 */
@Tag("e2e")
class ConsoleEndToEndIntegrationTests extends IntegrationTest {

	private static final Path E2E = Path.of("src/test/console-e2e");

	private static final Path SCREENSHOTS = Path.of("target/console-e2e");

	/**
	 * Every check the script prints, in order; it stops at the first failure, so all of
	 * them must appear.
	 */
	private static final List<String> CHECKS = List.of("console is served at /console/", "an unknown key is refused",
			"signed in with the admin key", "the dashboard is where the console opens",
			"budget tree created in the console", "reserve 2.00 more on the team is denied", "team bar shows 75% used",
			"team bar is coloured at its alert threshold", "research bar shows what was spent, as money",
			"the exact amount is there on hover", "the denial and its reason appear on the budget page",
			"freezing asks for a reason first", "the budget shows as frozen",
			"a reserve on the frozen budget is denied", "the budget page counts both denials",
			"the freeze appears among the alerts", "a new limit of 6.00 shows the team 50% used",
			"after unfreezing, the team takes reservations again", "the new hold appears after an automatic refresh",
			"the refresh is announced (aria-live)", "roots=true lists the tops of the trees",
			"the dashboard says when it sums only the newest trees",
			"the dashboard spend is the sum of the usage reports",
			"the dashboard denied count is the usage reports' (every level)",
			"the dashboard live holds are the trees' holds", "the top end user and its spend come from the metadata",
			"the top API keys and models are listed with links", "recent alerts and denials are on the dashboard",
			"a recent denial names its end user", "money is shown with its currency and sensible decimals",
			"search finds budgets and API keys by name",
			"the root's rolled-up denials are one figure: its page, its deniedCount, its usage report and its denial list",
			"the grandchild counts its three denials",
			"the tree rolls denials up as it rolls up spend: 5 on the root, 3 on the grandchild",
			"the drill-down draws the limit, the alert thresholds and the unit of its axis",
			"the drill-down splits spend by end user",
			"the CSV export is the view's rows, quoted properly, amounts exact",
			"the JSON export has the same rows and total as the API", "the new key is shown once",
			"the secret is gone from the page afterwards", "the new key works", "a revoked key stops working",
			"the budget form names a model name the API would refuse",
			"allowed models set in the form are on the budget in the API",
			"the budget page shows its allowed models and hold cap",
			"a model not on the list is denied MODEL_NOT_ALLOWED, a listed one is held at the cap",
			"the edit form starts from the budget's list",
			"emptied in the form, the list and the cap are gone: every model is allowed again",
			"a reserve naming a subject makes the subject's budget under the parent",
			"the parent's page shows its child template", "Find subject says when a subject has no budget yet",
			"Find subject opens the subject's budget, which names its subject and links its parent",
			"closing asks for confirmation first",
			"closed with the button, the subject's reserve is denied BUDGET_CLOSED",
			"reopened with the button, the subject's budget takes reservations again",
			"the budget form names a run cap the API would refuse",
			"run caps and minute windows set in the form are on the budget in GET",
			"the run cap set in the form denies the third call RUN_CALL_LIMIT",
			"the budget page shows its run caps and minute windows, and the runId of its reservations",
			"the drill-down splits spend by run", "the edit form starts from the budget's caps",
			"emptied in the form, the run caps and minute windows are gone", "signing out forgets the key",
			"a CLIENT key is refused by the console", "a VIEWER key sees a budget without the buttons that change it",
			"the service refuses a VIEWER key's changes", "an idle session ends and forgets the key",
			"the key never appears in a URL or goes anywhere but /v1",
			"no script errors and no Content-Security-Policy violations");

	@LocalServerPort
	private int port;

	@Test
	void anOperatorSeesAndSteersSpendInTheConsole() throws Exception {
		String node = requireNode();
		String chromium = requireChromium();
		installPlaywrightCore();

		Result run = run(List.of(node, "e2e.mjs"), Map.of("BASE_URL", "http://localhost:" + this.port, "ADMIN_KEY",
				ADMIN_KEY, "CHROMIUM", chromium, "SCREENSHOT_DIR", SCREENSHOTS.toAbsolutePath().toString()), 180);

		assertThat(run.exitCode()).as(run.output()).isZero();
		for (String check : CHECKS) {
			assertThat(run.output()).as(run.output()).contains("ok " + check + "\n");
		}
		assertThat(run.output()).contains("E2E PASSED");
		assertLedgerReconciled();
	}

	private static String requireNode() throws Exception {
		String node = System.getenv().getOrDefault("NODE", "node");
		Result version;
		try {
			version = run(List.of(node, "--version"), Map.of(), 30);
		}
		catch (IOException ex) {
			return fail("The console end-to-end test needs Node.js 18 or later on the PATH (or NODE=/path/to/node): "
					+ "apt-get install -y nodejs npm (" + ex.getMessage() + ")");
		}
		int major = Integer.parseInt(version.output().trim().replaceFirst("^v(\\d+).*$", "$1"));
		assertThat(major).as("Node.js version (the console end-to-end test needs 18 or later)")
			.isGreaterThanOrEqualTo(18);
		return node;
	}

	private static String requireChromium() {
		String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
		if (!new File(chromium).canExecute()) {
			fail("The console end-to-end test needs Debian's Chromium at " + chromium
					+ ": apt-get install -y chromium (or set CHROMIUM to another Chromium binary)");
		}
		return chromium;
	}

	/** npm ci once: again only when the lockfile changed since the last install. */
	private static void installPlaywrightCore() throws Exception {
		Path installed = E2E.resolve("node_modules/.package-lock.json");
		Path lock = E2E.resolve("package-lock.json");
		if (Files.exists(installed) && Files.exists(E2E.resolve("node_modules/playwright-core/package.json"))
				&& Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
			return;
		}
		String npm = System.getenv().getOrDefault("NPM", "npm");
		Result install;
		try {
			install = run(List.of(npm, "ci", "--no-audit", "--no-fund"),
					Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"), 300);
		}
		catch (IOException ex) {
			fail("The console end-to-end test needs npm to install playwright-core: apt-get install -y npm ("
					+ ex.getMessage() + ")");
			return;
		}
		assertThat(install.exitCode()).as("npm ci in " + E2E + ":\n" + install.output()).isZero();
	}

	private record Result(int exitCode, String output) {
	}

	private static Result run(List<String> command, Map<String, String> environment, int timeoutSeconds)
			throws Exception {
		Path log = Files.createTempFile("console-e2e", ".log");
		try {
			ProcessBuilder builder = new ProcessBuilder(command).directory(E2E.toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile());
			builder.environment().putAll(environment);
			Process process = builder.start();
			if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s:\n"
						+ Files.readString(log, StandardCharsets.UTF_8));
			}
			return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
		}
		finally {
			Files.deleteIfExists(log);
		}
	}

}
