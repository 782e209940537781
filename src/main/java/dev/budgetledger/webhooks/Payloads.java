package dev.budgetledger.webhooks;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.money.Amounts;

/**
 * What a delivery sends: the event as JSON (standard), or a sentence for a Slack incoming
 * webhook (slack).
 */
final class Payloads {

	private Payloads() {
	}

	/**
	 * The event as a delivery carries it; {@code data} holds the figures, as in GET
	 * /v1/events.
	 */
	record EventMessage(UUID id, String type, Instant time, UUID budgetId, String budgetName,
			@Nullable UUID reservationId, Map<String, Object> data) {
	}

	static byte[] body(String format, EventMessage event, JsonMapper json) {
		Object payload = format.equals("slack") ? Map.of("text", slackText(event)) : standard(event);
		return json.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8);
	}

	static Map<String, Object> standard(EventMessage event) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", event.id());
		body.put("type", event.type());
		body.put("time", event.time().toString());
		body.put("budget", Map.of("id", event.budgetId(), "name", event.budgetName()));
		if (event.reservationId() != null) {
			body.put("reservationId", event.reservationId());
		}
		body.put("data", event.data());
		return body;
	}

	/**
	 * One line of Slack mrkdwn; user-supplied text is escaped so it cannot mention or
	 * link anyone.
	 */
	static String slackText(EventMessage event) {
		String budget = "*" + escape(event.budgetName()) + "*";
		Map<String, Object> d = event.data();
		String text = switch (event.type()) {
			case "budget.threshold_crossed" -> ":warning: Budget " + budget + " crossed " + percent(d.get("threshold"))
					+ " of its limit (" + percent(d.get("utilization")) + " used of " + amount(d, "limit") + ").";
			case "budget.exhausted" -> ":no_entry: Budget " + budget + " is exhausted (limit " + amount(d, "limit")
					+ ", available " + amount(d, "available") + ").";
			case "budget.projected_exhaustion" ->
				":hourglass_flowing_sand: Budget " + budget + " is projected to reach its limit before the period ends"
						+ ((d.get("projectedAt") != null) ? ", at " + text(d.get("projectedAt")) : "") + " ("
						+ amount(d, "spent") + " spent of " + amount(d, "limit") + ").";
			case "budget.frozen" -> ":ice_cube: Budget " + budget + " was frozen: " + text(d.get("reason")) + ".";
			case "budget.unfrozen" -> ":white_check_mark: Budget " + budget + " was unfrozen.";
			case "budget.closed" -> ":lock: Budget " + budget + " was closed: new reservations on it are denied.";
			case "budget.reopened" -> ":unlock: Budget " + budget + " was reopened.";
			case "budget.period_reset" -> ":arrows_counterclockwise: Budget " + budget + " started a new period ("
					+ number(d.get("spent")) + " spent of " + number(d.get("limit")) + " in the last one).";
			case "budget.charged" -> ":receipt: " + number(d.get("amount")) + " " + text(d.get("currency"))
					+ " already spent was charged to budget " + budget
					+ (Boolean.TRUE.equals(d.get("overLimit")) ? ", past its limit" : "") + ".";
			case "reservation.denied" ->
				":octagonal_sign: A reservation on budget " + budget + " was denied (" + text(d.get("reason"))
						+ "): asked " + amount(d, "requested") + ", available " + amount(d, "available") + ".";
			case "reservation.overrun" ->
				":heavy_exclamation_mark: A reservation on budget " + budget + " cost more than it held: held "
						+ number(d.get("amount")) + ", charged " + number(d.get("charged")) + ".";
			case "reservation.expired" -> ":alarm_clock: A hold of " + number(d.get("amount")) + " on budget " + budget
					+ " expired without being settled.";
			case "reservation.adjusted" -> ":pencil2: An admin corrected the charge of a reservation on budget "
					+ budget + " from " + number(d.get("before")) + " to " + number(d.get("after")) + ": "
					+ text(d.get("reason")) + ".";
			default -> "Budget " + budget + ": " + escape(event.type()) + figures(d) + ".";
		};
		return text;
	}

	private static String percent(@Nullable Object fraction) {
		if (fraction == null) {
			return "?";
		}
		try {
			return new BigDecimal(fraction.toString()).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
		}
		catch (NumberFormatException ex) {
			return escape(fraction.toString());
		}
	}

	private static String amount(Map<String, Object> data, String field) {
		String unit = text(data.get("unit"));
		if (unit.equals("TOKENS") && data.get(field) != null) {
			try {
				return new BigDecimal(data.get(field).toString()).stripTrailingZeros().toPlainString() + " tokens";
			}
			catch (NumberFormatException ex) {
				return text(data.get(field)) + " tokens";
			}
		}
		return number(data.get(field)) + (unit.isEmpty() ? "" : " " + unit);
	}

	/**
	 * A figure as people write it: {@code 10.00}, {@code 0.0061}, not the stored
	 * {@code 10.000000000000000000}.
	 */
	private static String number(@Nullable Object value) {
		if (value == null) {
			return "";
		}
		try {
			return Amounts.format(new BigDecimal(value.toString()));
		}
		catch (NumberFormatException ex) {
			return escape(value.toString());
		}
	}

	private static String figures(Map<String, Object> data) {
		if (data.isEmpty()) {
			return "";
		}
		StringBuilder text = new StringBuilder(" (");
		data.forEach((key, value) -> text.append(text.length() > 2 ? ", " : "")
			.append(escape(key))
			.append(' ')
			.append(escape(String.valueOf(value))));
		return text.append(')').toString();
	}

	private static String text(@Nullable Object value) {
		return (value != null) ? escape(value.toString()) : "";
	}

	/** Slack's three control characters in message text. */
	static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}

}
