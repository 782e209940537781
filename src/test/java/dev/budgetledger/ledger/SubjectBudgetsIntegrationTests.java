package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-user budgets on demand: a reserve naming a parent and a subject is served on the
 * subject's child, made from the parent's template in the reserve's locked transaction,
 * once; lookups by subject and name; closing and reopening.
 */
class SubjectBudgetsIntegrationTests extends IntegrationTest {

	@Autowired
	private Ledger ledger;

	@Autowired
	private Subjects subjects;

	@Autowired
	private TransactionTemplate transactions;

	private static final Map<String, Object> DAILY_QUARTER = Map.of("limit", "0.25", "period", "DAILY");

	/**
	 * A parent of $100 with a unique name whose children are made from {@code template}.
	 */
	private UUID parent(Map<String, Object> template) {
		return createBudget(Map.of("name", "tenant-" + UUID.randomUUID(), "limit", "100", "childTemplate", template));
	}

	private Api.Response reserveFor(Api as, UUID parent, String subject, String amount) {
		return as.post("/v1/reservations", Map.of("budgetId", parent, "subject", subject, "amount", amount));
	}

	private long children(UUID parent) {
		return this.jdbc.sql("SELECT count(*) FROM budgets WHERE parent_id = :parent")
			.param("parent", parent)
			.query(Long.class)
			.single();
	}

	private List<String> ids(Api.Response page) {
		assertThat(page.status()).as(page.toString()).isEqualTo(200);
		return page.json().get("items").valueStream().map(item -> item.get("id").asString()).toList();
	}

	private static String query(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	@Test
	void fiftyConcurrentFirstReservesOfOneSubjectMakeExactlyOneChildAndAreAllDecided() throws Exception {
		UUID parent = parent(DAILY_QUARTER);
		String secret = clientKey(parent);
		Api client = this.api.as(secret);
		String subject = "user-" + UUID.randomUUID();

		List<Api.Response> answers = Concurrently.run(50, 50, i -> reserveFor(client, parent, subject, "0.01"));

		List<UUID> made = this.jdbc.sql("SELECT id FROM budgets WHERE parent_id = :parent AND subject = :subject")
			.param("parent", parent)
			.param("subject", subject)
			.query(UUID.class)
			.list();
		assertThat(made).hasSize(1);
		UUID child = made.get(0);
		assertThat(answers).extracting(Api.Response::status).containsOnly(201, 402);
		assertThat(answers).filteredOn(answer -> answer.status() == 201).hasSize(25);
		assertThat(answers).filteredOn(answer -> answer.status() == 402)
			.allSatisfy(denied -> assertThat(denied.text("reason")).isEqualTo("INSUFFICIENT_FUNDS"));
		assertThat(answers.stream().map(answer -> answer.text("budgetId")).collect(Collectors.toSet()))
			.containsExactly(child.toString());
		assertThat(this.jdbc.sql("SELECT count(*) FROM journal_entries WHERE budget_id = :id AND kind = 'OPEN'")
			.param("id", child)
			.query(Long.class)
			.single()).isEqualTo(1);
		assertThat(this.jdbc.sql(
				"SELECT count(*) FROM audit_log WHERE target_id = :id AND action = 'BUDGET_CREATE' AND actor_key_id = :key")
			.param("id", child.toString())
			.param("key", UUID.fromString(keyIdOf(secret)))
			.query(Long.class)
			.single()).isEqualTo(1);
		JsonNode shown = budget(child).json();
		assertThat(shown.get("subject").asString()).isEqualTo(subject);
		assertThat(shown.get("parentId").asString()).isEqualTo(parent.toString());
		assertThat(shown.get("period").asString()).isEqualTo("DAILY");
		assertThat(shown.get("deniedCount").asLong()).isEqualTo(25);
		assertReconciled(child, "0", "0.25");
		assertReconciled(parent, "0", "0.25");
		assertLedgerReconciled();
	}

	@Test
	void aClientKeyBoundToTheParentMakesAndUsesTheChildAndOneBoundElsewhereFindsNothing() {
		UUID parent = parent(DAILY_QUARTER);
		UUID elsewhere = createBudget("5");
		Api inScope = this.api.as(clientKey(parent));
		Api outOfScope = this.api.as(clientKey(elsewhere));
		String parentName = budget(parent).text("name");

		Api.Response refused = reserveFor(outOfScope, parent, "user-1", "0.01");
		assertThat(refused.status()).as(refused.toString()).isEqualTo(404);
		assertThat(refused.text("code")).isEqualTo("BUDGET_NOT_FOUND");
		assertThat(children(parent)).isZero();

		Api.Response first = reserveFor(inScope, parent, "user-1", "0.01");
		Api.Response again = reserveFor(inScope, parent, "user-1", "0.02");
		Api.Response other = reserveFor(inScope, parent, "user-2", "0.03");

		assertThat(first.status()).as(first.toString()).isEqualTo(201);
		assertThat(again.status()).as(again.toString()).isEqualTo(201);
		assertThat(other.status()).as(other.toString()).isEqualTo(201);
		String child = first.text("budgetId");
		assertThat(child).isNotEqualTo(parent.toString());
		assertThat(again.text("budgetId")).isEqualTo(child);
		assertThat(other.text("budgetId")).isNotEqualTo(child);
		assertThat(children(parent)).isEqualTo(2);
		Api.Response shown = inScope.get("/v1/budgets/" + child);
		assertThat(shown.text("name")).isEqualTo(parentName + "/user-1");
		assertThat(shown.text("subject")).isEqualTo("user-1");
		assertThat(outOfScope.get("/v1/budgets/" + child).status()).isEqualTo(404);

		String bySubject = "/v1/budgets?parentId=" + parent + "&subject=user-1";
		assertThat(ids(inScope.get(bySubject))).containsExactly(child);
		assertThat(ids(this.api.get(bySubject))).containsExactly(child);
		assertThat(ids(outOfScope.get(bySubject))).isEmpty();
		assertThat(ids(inScope.get("/v1/budgets?parentId=" + parent + "&subject=user-3"))).isEmpty();
		String byName = "/v1/budgets?name=" + query(parentName + "/user-1");
		assertThat(ids(inScope.get(byName))).containsExactly(child);
		assertThat(ids(this.api.get(byName))).containsExactly(child);
		assertThat(ids(outOfScope.get(byName))).isEmpty();
		assertThat(ids(this.api.get("/v1/budgets?name=" + query(parentName)))).containsExactly(parent.toString());
		assertReconciled(UUID.fromString(child), "0", "0.03");
		assertReconciled(parent, "0", "0.06");
		assertLedgerReconciled();
	}

	@Test
	void aChildFoundInsideABatchIsLockedThereAndRolledIntoItsNewPeriod() {
		UUID parent = parent(DAILY_QUARTER);
		Api.Response first = reserveFor(this.api, parent, "user-1", "0.20");
		UUID child = UUID.fromString(first.text("budgetId"));
		assertThat(settle(UUID.fromString(first.text("id")), Map.of("amount", "0.20")).status()).isEqualTo(200);
		this.clock.advance(Duration.ofDays(1));

		// A batch that holds only the parent's chain, as when a concurrent reserve made
		// the child after this one looked for it.
		ReserveOutcome outcome = this.transactions.execute(status -> {
			LedgerBatch batch = this.ledger.lockForBatch(List.of(parent), List.of());
			ReserveOutcome reserved = this.subjects.reserve(batch,
					new ReserveCommand(parent, new Ask("USD", List.of(Ask.Option.amount(new BigDecimal("0.25"))), null),
							Duration.ofMinutes(5), Map.of()),
					"user-1", null, Actor.service("test"), null);
			batch.flush();
			return reserved;
		});

		assertThat(outcome).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(((ReserveOutcome.Allowed) outcome).reservation().budgetId()).isEqualTo(child);
		JsonNode closedPeriods = this.api.get("/v1/budgets/" + child + "/periods").json().get("items");
		assertThat(closedPeriods).hasSize(1);
		assertThat(closedPeriods.get(0).get("spent").asString()).isEqualTo("0.20");
		assertThat(children(parent)).isEqualTo(1);
		assertReconciled(child, "0", "0.25");
		assertLedgerReconciled();
	}

	@Test
	void aSubjectOfABudgetWithoutTemplateIsAProblemAndMakesNothing() {
		UUID plain = createBudget("5");

		Api.Response refused = reserveFor(this.api, plain, "user-1", "0.01");

		assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
		assertThat(refused.contentType()).startsWith("application/problem+json");
		assertThat(refused.text("code")).isEqualTo("NO_CHILD_TEMPLATE");
		assertThat(children(plain)).isZero();
		assertReconciled(plain, "0", "0");
	}

	@Test
	void badSubjectsAreRefusedAndChangeNothing() {
		UUID parent = parent(DAILY_QUARTER);
		long entries = journalSize(parent);

		for (String subject : List.of("", "u".repeat(129), "user\u0000one", " user", "user\u0007", "\u200Buser")) {
			Api.Response refused = this.api.offContract()
				.post("/v1/reservations", Map.of("budgetId", parent, "subject", subject, "amount", "0.01"));
			assertThat(refused.status()).as(subject + ": " + refused).isEqualTo(400);
			assertThat(refused.contentType()).startsWith("application/problem+json");
			assertThat(refused.text("code")).isEqualTo("VALIDATION_FAILED");
			Api.Response dryRun = this.api.offContract()
				.post("/v1/decisions", Map.of("budgetId", parent, "subject", subject, "amount", "0.01"));
			assertThat(dryRun.status()).as(subject + ": " + dryRun).isEqualTo(400);
		}

		assertThat(children(parent)).isZero();
		assertThat(journalSize(parent)).isEqualTo(entries);
		assertThat(reserveFor(this.api, parent, "u".repeat(128), "0.01").status()).isEqualTo(201);
		assertThat(reserveFor(this.api, parent, "jane doe@example.com ✓", "0.01").status()).isEqualTo(201);
		assertThat(children(parent)).isEqualTo(2);
		assertLedgerReconciled();
	}

	@Test
	void aDryRunWithASubjectDecidesOnTheChildItWouldMakeAndMakesNothing() {
		UUID parent = parent(DAILY_QUARTER);

		Api.Response fits = this.api.post("/v1/decisions",
				Map.of("budgetId", parent, "subject", "user-1", "amount", "0.25"));
		Api.Response tooMuch = this.api.post("/v1/decisions",
				Map.of("budgetId", parent, "subject", "user-1", "amount", "0.26"));

		assertThat(fits.status()).as(fits.toString()).isEqualTo(200);
		assertThat(fits.text("decision")).isEqualTo("ALLOW");
		assertThat(fits.text("budgetId")).isNotEqualTo(parent.toString());
		assertThat(tooMuch.text("decision")).isEqualTo("DENY");
		assertThat(tooMuch.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(children(parent)).isZero();
		assertReconciled(parent, "0", "0");
	}

	@Test
	void theTemplateIsSetOnCreateAndByPatchExactlyShownOnGetAndUsedForNewChildrenOnly() {
		Api.Response created = this.api.post("/v1/budgets", """
				{"name": "exact-%s", "limit": 100, "childTemplate": {"limit": 0.123456789012345678,
				 "period": "WEEKLY", "maxAmountPerCall": "0.05", "thresholds": [0.5], "metadata": {"plan": "free"}}}"""
			.formatted(UUID.randomUUID()));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		UUID parent = UUID.fromString(created.text("id"));
		JsonNode template = created.json().get("childTemplate");
		assertThat(template.get("limit").asString()).isEqualTo("0.123456789012345678");
		assertThat(template.get("period").asString()).isEqualTo("WEEKLY");
		assertThat(template.get("maxAmountPerCall").asString()).isEqualTo("0.05");
		assertThat(template.get("unit").asString()).isEqualTo("USD");
		String first = reserveFor(this.api, parent, "user-1", "0.01").text("budgetId");

		Api.Response patched = this.api.patch("/v1/budgets/" + parent, """
				{"childTemplate": {"limit": 2.000000000000000001, "period": "DAILY"}}""");
		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.json().get("childTemplate").get("limit").asString()).isEqualTo("2.000000000000000001");
		assertThat(patched.json().get("childTemplate").get("maxAmountPerCall")).isNull();
		String second = reserveFor(this.api, parent, "user-2", "0.10").text("budgetId");

		JsonNode old = budget(UUID.fromString(first)).json();
		assertThat(old.get("limit").asString()).isEqualTo("0.123456789012345678");
		assertThat(old.get("period").asString()).isEqualTo("WEEKLY");
		assertThat(old.get("maxAmountPerCall").asString()).isEqualTo("0.05");
		assertThat(old.get("metadata").get("plan").asString()).isEqualTo("free");
		JsonNode made = budget(UUID.fromString(second)).json();
		assertThat(made.get("limit").asString()).isEqualTo("2.000000000000000001");
		assertThat(made.get("period").asString()).isEqualTo("DAILY");

		Api.Response removed = this.api.patch("/v1/budgets/" + parent, "{\"childTemplate\": null}");
		assertThat(removed.json().get("childTemplate")).isNull();
		assertThat(reserveFor(this.api, parent, "user-3", "0.01").status()).isEqualTo(422);
		assertThat(reserveFor(this.api, parent, "user-1", "0.01").status()).as("a child already made is still served")
			.isEqualTo(201);
		assertLedgerReconciled();
	}

	@Test
	void aTemplateIsCheckedAsACreateBodyIsAndABadOneChangesNothing() {
		UUID parent = parent(DAILY_QUARTER);
		JsonNode before = budget(parent).json().get("childTemplate");

		Api.Response negative = this.api.offContract()
			.patch("/v1/budgets/" + parent, Map.of("childTemplate", Map.of("limit", "-1")));
		Api.Response named = this.api.offContract()
			.patch("/v1/budgets/" + parent, Map.of("childTemplate", Map.of("limit", "1", "name", "x")));
		Api.Response euros = this.api.patch("/v1/budgets/" + parent,
				Map.of("childTemplate", Map.of("limit", "1", "currency", "EUR")));

		assertThat(negative.status()).as(negative.toString()).isEqualTo(400);
		assertThat(negative.json().get("errors").get(0).get("field").asString()).isEqualTo("childTemplate.limit");
		assertThat(named.status()).as(named.toString()).isEqualTo(400);
		assertThat(named.json().get("errors").get(0).get("field").asString()).isEqualTo("childTemplate.name");
		assertThat(euros.status()).as(euros.toString()).isEqualTo(400);
		assertThat(euros.json().get("errors").get(0).get("field").asString()).isEqualTo("childTemplate.unit");
		assertThat(budget(parent).json().get("childTemplate")).isEqualTo(before);
	}

	@Test
	void aClosedBudgetDeniesNewHoldsSettlesHeldOnesAndAllowsAgainWhenReopened() {
		UUID budget = createBudget("5");
		Api client = this.api.as(clientKey(budget));
		UUID held = reserveAllowed(budget, "1.00");
		long entries = journalSize(budget);

		Api.Response byClient = client.post("/v1/budgets/" + budget + "/close", "");
		Api.Response closed = this.api.post("/v1/budgets/" + budget + "/close", "");
		Api.Response denied = reserve(budget, "0.10");
		Api.Response settled = settle(held, Map.of("amount", "0.40"));
		Api.Response reopenByClient = client.post("/v1/budgets/" + budget + "/reopen", "");
		Api.Response reopened = this.api.post("/v1/budgets/" + budget + "/reopen", "");
		Api.Response allowed = reserve(budget, "0.10");

		assertThat(byClient.status()).as(byClient.toString()).isEqualTo(403);
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
		assertThat(closed.json().get("closed").asBoolean()).isTrue();
		assertThat(closed.text("closedAt")).isNotBlank();
		assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
		assertThat(denied.text("reason")).isEqualTo("BUDGET_CLOSED");
		assertThat(denied.text("limitingBudgetId")).isEqualTo(budget.toString());
		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		assertThat(settled.text("charged")).isEqualTo("0.40");
		assertThat(reopenByClient.status()).isEqualTo(403);
		assertThat(reopened.json().get("closed").asBoolean()).isFalse();
		assertThat(reopened.json().get("closedAt")).isNull();
		assertThat(allowed.status()).as(allowed.toString()).isEqualTo(201);
		assertThat(this.jdbc
			.sql("SELECT kind FROM journal_entries WHERE budget_id = :id AND id > "
					+ "(SELECT min(id) FROM journal_entries WHERE budget_id = :id AND kind = 'RESERVE') ORDER BY id")
			.param("id", budget)
			.query(String.class)
			.list()).containsExactly("CLOSE", "SETTLE", "REOPEN", "RESERVE");
		assertThat(journalSize(budget)).isEqualTo(entries + 4);
		assertThat(this.jdbc.sql("SELECT action FROM audit_log WHERE target_id = :id ORDER BY id")
			.param("id", budget.toString())
			.query(String.class)
			.list()).containsExactly("BUDGET_CREATE", "BUDGET_CLOSE", "BUDGET_REOPEN");
		assertReconciled(budget, "0.40", "0.10");
		assertLedgerReconciled();
	}

	@Test
	void aClosedParentMakesNoNewChildAndAClosedChildDeniesItsSubject() {
		UUID parent = parent(DAILY_QUARTER);
		String child = reserveFor(this.api, parent, "user-1", "0.01").text("budgetId");

		this.api.post("/v1/budgets/" + child + "/close", "");
		Api.Response childClosed = reserveFor(this.api, parent, "user-1", "0.01");
		Api.Response sibling = reserveFor(this.api, parent, "user-2", "0.01");
		this.api.post("/v1/budgets/" + parent + "/close", "");
		Api.Response parentClosed = reserveFor(this.api, parent, "user-3", "0.01");
		Api.Response decided = this.api.post("/v1/decisions",
				Map.of("budgetId", parent, "subject", "user-4", "amount", "0.01"));

		assertThat(childClosed.text("reason")).isEqualTo("BUDGET_CLOSED");
		assertThat(childClosed.text("limitingBudgetId")).isEqualTo(child);
		assertThat(sibling.status()).as(sibling.toString()).isEqualTo(201);
		assertThat(parentClosed.status()).as(parentClosed.toString()).isEqualTo(402);
		assertThat(parentClosed.text("reason")).isEqualTo("BUDGET_CLOSED");
		assertThat(parentClosed.text("budgetId")).isEqualTo(parent.toString());
		assertThat(decided.text("reason")).isEqualTo("BUDGET_CLOSED");
		assertThat(children(parent)).isEqualTo(2);
		Set<String> subjects = Set.copyOf(this.jdbc.sql("SELECT subject FROM budgets WHERE parent_id = :parent")
			.param("parent", parent)
			.query(String.class)
			.list());
		assertThat(subjects).containsExactlyInAnyOrder("user-1", "user-2");
		assertLedgerReconciled();
	}

}
