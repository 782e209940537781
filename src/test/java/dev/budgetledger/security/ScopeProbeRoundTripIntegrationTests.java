package dev.budgetledger.security;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.RoundTrips;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key bound to one tenant's budget probes another tenant's ids: every answer, and every
 * statement the service sends to PostgreSQL to give it, must be the same as for an id
 * that does not exist. Equal statements mean equal work, so the answer's timing does not
 * tell them apart either (issue 17: an out-of-scope id was answered measurably faster or
 * slower than a missing one, depending on the endpoint and on what the instance had
 * cached).
 */
@Import(RoundTrips.class)
class ScopeProbeRoundTripIntegrationTests extends IntegrationTest {

	@Autowired
	RoundTrips roundTrips;

	@Test
	void anotherTenantsIdsCostTheSameStatementsAsMissingOnes() {
		UUID own = createBudget("100");
		UUID theirs = createBudget("100");
		Api prober = this.api.as(clientKey(own));
		Api owner = this.api.as(clientKey(theirs));
		// The other tenant's budget and hold are known to this instance (its caches hold
		// their paths).
		Api.Response held = owner.post("/v1/reservations", Map.of("budgetId", theirs, "amount", "1.00"));
		assertThat(held.status()).as(held.toString()).isEqualTo(201);
		UUID theirHold = UUID.fromString(held.text("id"));
		UUID ownHold = UUID
			.fromString(prober.post("/v1/reservations", Map.of("budgetId", own, "amount", "1.00")).text("id"));
		assertThat(prober.get("/v1/reservations/" + ownHold).status()).isEqualTo(200); // the
																						// key
																						// is
																						// cached
																						// now

		compare(prober, theirs, id -> prober.post("/v1/reservations", Map.of("budgetId", id, "amount", "0.01")));
		compare(prober, theirHold, id -> prober.post("/v1/reservations/" + id + "/settle", Map.of("amount", "0.01")));
		compare(prober, theirHold, id -> prober.post("/v1/reservations/" + id + "/release", ""));
		compare(prober, theirHold, id -> prober.get("/v1/reservations/" + id));
		compare(prober, theirs, id -> prober.get("/v1/budgets/" + id));
		compare(prober, theirs, id -> prober.get("/v1/budgets/" + id + "/usage"));

		assertThat(owner.get("/v1/reservations/" + theirHold).text("status")).isEqualTo("HELD");
		assertLedgerReconciled();
	}

	/**
	 * Sends the same request for an existing id of another tenant and for a missing id,
	 * twice each.
	 */
	private void compare(Api prober, UUID existing, Function<UUID, Api.Response> request) {
		for (int round = 0; round < 2; round++) {
			UUID missing = UUID.randomUUID();
			this.roundTrips.reset();
			Api.Response foreign = request.apply(existing);
			List<String> foreignCalls = this.roundTrips.calls();
			this.roundTrips.reset();
			Api.Response absent = request.apply(missing);
			List<String> absentCalls = this.roundTrips.calls();

			assertThat(foreign.status()).as(foreign.toString()).isEqualTo(404).isEqualTo(absent.status());
			assertThat(foreign.text("code")).isEqualTo(absent.text("code"));
			assertThat(comparable(foreign, existing)).isEqualTo(comparable(absent, missing));
			assertThat(foreignCalls).as("statements for another tenant's id").isEqualTo(absentCalls);
		}
	}

	/** The body with the probed id and the request's own id blanked out. */
	private static String comparable(Api.Response response, UUID probed) {
		return response.body()
			.replace(probed.toString(), "ID")
			.replaceAll("\"requestId\":\"[^\"]*\"", "\"requestId\":\"R\"");
	}

}
