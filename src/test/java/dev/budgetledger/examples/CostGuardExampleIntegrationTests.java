package dev.budgetledger.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/budgets.md's worked example "CostGuard's two limits": a per-user daily quota (a
 * child per end user, made from the parent's template on the user's first call) and a
 * max-steps cap per agent run (the template's {@code maxCallsPerRun}), both enforced for
 * an app that holds only a CLIENT key bound to the parent. Every figure the document
 * shows is asserted here.
 */
class CostGuardExampleIntegrationTests extends IntegrationTest {

	@Test
	void aPerUserDailyQuotaAndAMaxStepsCapPerRun() {
		// 1. The admin: the assistant gets $200 a month; each end user $0.25 a day, at
		// most
		// 5 steps per agent run.
		Api.Response assistant = this.api.post("/v1/budgets",
				Map.of("name", "support-assistant-" + UUID.randomUUID(), "limit", "200.00", "period", "MONTHLY",
						"childTemplate", Map.of("limit", "0.25", "period", "DAILY", "maxCallsPerRun", 5)));
		assertThat(assistant.status()).as(assistant.toString()).isEqualTo(201);
		assertThat(assistant.json().get("childTemplate").get("maxCallsPerRun").asLong()).isEqualTo(5);
		assertThat(assistant.json().get("childTemplate").get("limit").asString()).isEqualTo("0.25");
		UUID parent = UUID.fromString(assistant.text("id"));
		Api app = this.api.as(clientKey(parent));

		// 2. User u-42's agent, run-1: each step holds $0.03 and is charged $0.03. The
		// first step makes the user's budget; the sixth step is one too many for the run.
		List<String> run1 = new ArrayList<>();
		UUID userBudget = null;
		for (int step = 1; step <= 6; step++) {
			Api.Response held = step(app, parent, "u-42", "run-1");
			run1.add(decision(held));
			if (held.status() == 201) {
				userBudget = UUID.fromString(held.text("budgetId"));
				settleAt(app, held, "0.03");
			}
			else {
				assertThat(held.text("runId")).isEqualTo("run-1");
			}
		}
		assertThat(run1).containsExactly("ALLOW", "ALLOW", "ALLOW", "ALLOW", "ALLOW", "RUN_CALL_LIMIT");
		assertThat(userBudget).isNotNull();

		// 3. run-2 of the same user: the run starts at zero steps, but the day has $0.10
		// left: three steps fit ($0.09), the fourth does not.
		List<String> run2 = new ArrayList<>();
		String available = null;
		for (int step = 1; step <= 4; step++) {
			Api.Response held = step(app, parent, "u-42", "run-2");
			run2.add(decision(held));
			if (held.status() == 201) {
				settleAt(app, held, "0.03");
			}
			else {
				available = held.text("available");
			}
		}
		assertThat(run2).containsExactly("ALLOW", "ALLOW", "ALLOW", "INSUFFICIENT_FUNDS");
		assertThat(available).isEqualTo("0.01");

		// 4. Another user is untouched: their own budget, made on their first call.
		Api.Response other = step(app, parent, "u-7", "run-3");
		assertThat(decision(other)).isEqualTo("ALLOW");
		assertThat(other.text("budgetId")).isNotEqualTo(userBudget.toString());

		// 5. The app finds the user's budget by subject: $0.24 spent today in 8 calls.
		JsonNode found = app.get("/v1/budgets?parentId=" + parent + "&subject=u-42").json().get("items");
		assertThat(found).hasSize(1);
		assertThat(found.get(0).get("id").asString()).isEqualTo(userBudget.toString());
		assertThat(found.get(0).get("spent").asString()).isEqualTo("0.24");
		assertThat(found.get(0).get("available").asString()).isEqualTo("0.01");
		assertThat(found.get(0).get("maxCallsPerRun").asLong()).isEqualTo(5);
		assertThat(found.get(0).get("callsInPeriod").asLong()).isEqualTo(8);

		// 6. The next day the quota is whole again; run-1 stays capped (runs do not
		// reset).
		this.clock.advance(Duration.ofDays(1));
		assertThat(decision(step(app, parent, "u-42", "run-4"))).isEqualTo("ALLOW");
		assertThat(decision(step(app, parent, "u-42", "run-1"))).isEqualTo("RUN_CALL_LIMIT");

		assertLedgerReconciled();
	}

	private static Api.Response step(Api app, UUID parent, String user, String run) {
		return app.post("/v1/reservations",
				Map.of("budgetId", parent, "subject", user, "runId", run, "amount", "0.03"));
	}

	private static void settleAt(Api app, Api.Response held, String charged) {
		Api.Response settled = app.post("/v1/reservations/" + held.text("id") + "/settle", Map.of("amount", charged));
		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
	}

	private static String decision(Api.Response answer) {
		if (answer.status() == 201) {
			return answer.text("decision");
		}
		assertThat(answer.status()).as(answer.toString()).isEqualTo(402);
		return answer.text("reason");
	}

}
