package dev.budgetledger.usage;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.database.ReadReplica;
import dev.budgetledger.budget.Budgets;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Usage reports, computed from the journal and nothing else, so they agree with it to the
 * last digit.
 * <p>
 * Every reservation holds and charges on each level of its chain, and each level journals
 * its own movement in its own unit. So the entries of the budget itself already cover its
 * whole subtree: spend is the sum of their {@code spent_delta} (settlements, corrections
 * and direct charges; expiries and releases move only {@code reserved}, and period
 * resets, which give {@code spent} back, are not reservation movements), calls allowed
 * are its RESERVE entries. Denied calls come from {@code denials}, which records every
 * denial exactly. One snapshot (repeatable read) for all of it, on the read replica when
 * there is a fresh one.
 */
@Component
public class UsageReports {

	/** Key of the model group for calls reserved by amount rather than by model. */
	public static final String UNPRICED = "unpriced";

	/**
	 * Key of the group of calls without an API key or without the metadata key grouped by
	 * (denials recorded before V26 have neither).
	 */
	public static final String UNATTRIBUTED = "(none)";

	private final Budgets budgets;

	private final ReadReplica replica;

	UsageReports(Budgets budgets, ReadReplica replica) {
		this.budgets = budgets;
		this.replica = replica;
	}

	/**
	 * The report of a budget and its subtree over {@code [from, to)}; {@code metadataKey}
	 * names the metadata key to group by and is required for (and only read by)
	 * {@link GroupBy#METADATA}. Read in one snapshot: on the primary, the groups and the
	 * budget's figures ({@code limit}, {@code spent}, {@code reserved}) together; on a
	 * fresh read replica ({@link ReadReplica}) the groups come from its snapshot and the
	 * figures from the primary (budgets are read there only), so the groups may be up to
	 * {@code budget-ledger.read-replica.max-lag} behind the figures.
	 */
	public UsageReport report(UUID budgetId, Instant from, Instant to, GroupBy groupBy, @Nullable String metadataKey) {
		if (groupBy == GroupBy.METADATA && metadataKey == null) {
			throw new IllegalArgumentException("grouping by metadata needs a metadata key");
		}
		return this.replica.read(jdbc -> report(jdbc, this.budgets.get(budgetId), from, to, groupBy, metadataKey));
	}

	private UsageReport report(JdbcClient jdbc, Budget budget, Instant from, Instant to, GroupBy groupBy,
			@Nullable String metadataKey) {
		Map<String, UsageGroup> groups = new TreeMap<>();
		for (UsageGroup group : journalGroups(jdbc, budget, from, to, groupBy, metadataKey)) {
			groups.merge(group.key(), group, UsageGroup::plus);
		}
		for (UsageGroup group : chargeGroups(jdbc, budget, from, to, groupBy, metadataKey)) {
			groups.merge(group.key(), group, UsageGroup::plus);
		}
		for (Map.Entry<String, Long> denied : deniedGroups(jdbc, budget, from, to, groupBy, metadataKey).entrySet()) {
			groups.merge(denied.getKey(), new UsageGroup(denied.getKey(), denied.getKey(), BigDecimal.ZERO, 0, 0, 0,
					denied.getValue(), 0, 0, 0), UsageGroup::plus);
		}
		List<UsageGroup> ordered = switch (groupBy) {
			case HOUR -> everyHour(groups, from, to, budget.period().timezone());
			case DAY -> everyDay(groups, from, to, budget.period().timezone());
			case MODEL -> new ArrayList<>(groups.values());
			case CHILD -> everyChild(jdbc, groups, budget);
			case BUDGET -> bySpend(labelled(jdbc, groups, "budgets"));
			case KEY -> bySpend(labelled(jdbc, groups, "api_keys"));
			case METADATA, RUN -> bySpend(new ArrayList<>(groups.values()));
		};
		UsageGroup total = UsageGroup.empty("total", "total");
		for (UsageGroup group : ordered) {
			total = total.plus(group);
		}
		return new UsageReport(budget, from, to, groupBy, metadataKey, ordered, total);
	}

	/**
	 * The SQL expression of a group's key over a journal entry (j), the reservation,
	 * charge or denial it is about (alias {@code of}, all three have model, budget_id,
	 * api_key_id and metadata) and the budget that was reserved on (leaf).
	 */
	private static String key(GroupBy groupBy, String time, String of) {
		return switch (groupBy) {
			case HOUR -> localTime(time, "YYYY-MM-DD\"T\"HH24");
			case DAY -> localTime(time, "YYYY-MM-DD");
			case MODEL -> "coalesce(" + of + ".model, '" + UNPRICED + "')";
			case CHILD -> "CAST(coalesce(leaf.ancestors[:childDepth], CAST(:budgetId AS uuid)) AS text)";
			case BUDGET -> "CAST(" + of + ".budget_id AS text)";
			case KEY -> "coalesce(CAST(" + of + ".api_key_id AS text), '" + UNATTRIBUTED + "')";
			case METADATA -> "coalesce(" + of + ".metadata ->> CAST(:metadataKey AS text), '" + UNATTRIBUTED + "')";
			// Reservations and denials name a run; charges record none.
			case RUN ->
				"c".equals(of) ? "'" + UNATTRIBUTED + "'" : "coalesce(" + of + ".run_id, '" + UNATTRIBUTED + "')";
		};
	}

	/**
	 * A timestamp in the budget's zone, as text. A fixed offset goes in as an interval:
	 * PostgreSQL reads a zone name such as "UTC+01:00" the POSIX way, with the sign
	 * reversed.
	 */
	private static String localTime(String column, String pattern) {
		return "to_char(CASE WHEN CAST(:offsetSeconds AS integer) IS NULL THEN " + column
				+ " AT TIME ZONE CAST(:tz AS text) ELSE " + column
				+ " AT TIME ZONE make_interval(secs => CAST(:offsetSeconds AS integer)) END, '" + pattern + "')";
	}

	private static @Nullable Integer offsetSeconds(ZoneId zone) {
		return (zone.normalized() instanceof ZoneOffset offset) ? offset.getTotalSeconds() : null;
	}

	private List<UsageGroup> journalGroups(JdbcClient jdbc, Budget budget, Instant from, Instant to, GroupBy groupBy,
			@Nullable String metadataKey) {
		return jdbc
			.sql("SELECT " + key(groupBy, "j.created_at", "r")
					+ """
							 AS key,
							       sum(j.spent_delta) AS spend,
							       coalesce(sum(coalesce(r.settled_input_tokens, 0) + coalesce(r.settled_cache_read_tokens, 0)
							           + coalesce(r.settled_cache_write_tokens, 0)) FILTER (WHERE j.kind = 'SETTLE'), 0) AS input_tokens,
							       coalesce(sum(coalesce(r.settled_output_tokens, 0) + coalesce(r.settled_reasoning_tokens, 0))
							           FILTER (WHERE j.kind = 'SETTLE'), 0) AS output_tokens,
							       count(*) FILTER (WHERE j.kind = 'RESERVE') AS calls_allowed,
							       count(*) FILTER (WHERE j.kind = 'SETTLE') AS calls_settled,
							       count(*) FILTER (WHERE j.kind = 'SETTLE' AND r.charged > r.amount) AS overruns
							FROM journal_entries j
							JOIN reservations r ON r.id = j.reservation_id
							JOIN budgets leaf ON leaf.id = r.budget_id
							WHERE j.budget_id = :budgetId AND j.reservation_id IS NOT NULL
							  AND j.created_at >= :from AND j.created_at < :to
							GROUP BY 1""")
			.param("budgetId", budget.id())
			.param("tz", budget.period().timezone().getId())
			.param("offsetSeconds", offsetSeconds(budget.period().timezone()))
			.param("childDepth", budget.depth() + 2)
			.param("metadataKey", metadataKey)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.query((rs, row) -> new UsageGroup(rs.getString("key"), rs.getString("key"), rs.getBigDecimal("spend"),
					rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getLong("calls_allowed"), 0,
					rs.getLong("calls_settled"), rs.getLong("overruns"), 0))
			.list();
	}

	/**
	 * Direct charges: spend booked without a hold, on every level of the chain like a
	 * settlement.
	 */
	private List<UsageGroup> chargeGroups(JdbcClient jdbc, Budget budget, Instant from, Instant to, GroupBy groupBy,
			@Nullable String metadataKey) {
		return jdbc.sql("SELECT " + key(groupBy, "j.created_at", "c") + """
				 AS key,
				       sum(j.spent_delta) AS spend,
				       sum(coalesce(c.input_tokens, 0) + coalesce(c.cache_read_tokens, 0)
				           + coalesce(c.cache_write_tokens, 0)) AS input_tokens,
				       sum(coalesce(c.output_tokens, 0) + coalesce(c.reasoning_tokens, 0)) AS output_tokens,
				       count(*) AS charges
				FROM journal_entries j
				JOIN charges c ON c.id = j.charge_id
				JOIN budgets leaf ON leaf.id = c.budget_id
				WHERE j.budget_id = :budgetId AND j.kind = 'CHARGE'
				  AND j.created_at >= :from AND j.created_at < :to
				GROUP BY 1""")
			.param("budgetId", budget.id())
			.param("tz", budget.period().timezone().getId())
			.param("offsetSeconds", offsetSeconds(budget.period().timezone()))
			.param("childDepth", budget.depth() + 2)
			.param("metadataKey", metadataKey)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.query((rs, row) -> new UsageGroup(rs.getString("key"), rs.getString("key"), rs.getBigDecimal("spend"),
					rs.getLong("input_tokens"), rs.getLong("output_tokens"), 0, 0, 0, 0, rs.getLong("charges")))
			.list();
	}

	private Map<String, Long> deniedGroups(JdbcClient jdbc, Budget budget, Instant from, Instant to, GroupBy groupBy,
			@Nullable String metadataKey) {
		Map<String, Long> denied = new LinkedHashMap<>();
		jdbc.sql("SELECT " + key(groupBy, "d.created_at", "d") + """
				 AS key, count(*) AS denied
				FROM denials d JOIN budgets leaf ON leaf.id = d.budget_id
				WHERE d.root_id = :rootId
				  AND d.budget_id IN (SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:budgetId AS uuid)])
				  AND d.created_at >= :from AND d.created_at < :to
				GROUP BY 1""")
			.param("rootId", budget.rootId())
			.param("budgetId", budget.id())
			.param("tz", budget.period().timezone().getId())
			.param("offsetSeconds", offsetSeconds(budget.period().timezone()))
			.param("childDepth", budget.depth() + 2)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.param("metadataKey", metadataKey)
			.query((rs, row) -> denied.put(rs.getString("key"), rs.getLong("denied")))
			.list();
		return denied;
	}

	/**
	 * Every hour of the range in the budget's time zone, quiet hours included, keyed as
	 * the SQL above writes it.
	 */
	private static List<UsageGroup> everyHour(Map<String, UsageGroup> groups, Instant from, Instant to, ZoneId zone) {
		List<UsageGroup> hours = new ArrayList<>();
		DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
		LocalDateTime last = to.minusNanos(1).atZone(zone).toLocalDateTime().truncatedTo(ChronoUnit.HOURS);
		LocalDateTime hour = from.atZone(zone).toLocalDateTime().truncatedTo(ChronoUnit.HOURS);
		Set<String> seen = new HashSet<>();
		for (; !hour.isAfter(last); hour = hour.plusHours(1)) {
			String key = format.format(hour);
			// A clock set back repeats a local hour: it is one group.
			if (seen.add(key)) {
				hours.add(groups.getOrDefault(key, UsageGroup.empty(key, key)));
			}
		}
		return hours;
	}

	/** Biggest spend first; ties by key, so the order is stable. */
	private static List<UsageGroup> bySpend(List<UsageGroup> groups) {
		List<UsageGroup> sorted = new ArrayList<>(groups);
		sorted.sort(Comparator.comparing(UsageGroup::spend).reversed().thenComparing(UsageGroup::key));
		return sorted;
	}

	/** Groups keyed by the id of a budget or an API key, labelled with its name. */
	private List<UsageGroup> labelled(JdbcClient jdbc, Map<String, UsageGroup> groups, String table) {
		List<UUID> ids = groups.keySet()
			.stream()
			.filter(key -> !UNATTRIBUTED.equals(key))
			.map(UUID::fromString)
			.toList();
		Map<String, String> names = new HashMap<>();
		if (!ids.isEmpty()) {
			// The table name is one of two constants, never input.
			jdbc.sql("SELECT id, name FROM " + table + " WHERE id IN (:ids)")
				.param("ids", ids)
				.query((rs, row) -> names.put(rs.getString("id"), rs.getString("name")))
				.list();
		}
		return groups.values()
			.stream()
			.map(group -> group.withLabel(names.getOrDefault(group.key(), group.key())))
			.toList();
	}

	/**
	 * Every day of the range in the budget's time zone, quiet days included, so a chart
	 * has no gaps.
	 */
	private static List<UsageGroup> everyDay(Map<String, UsageGroup> groups, Instant from, Instant to, ZoneId zone) {
		List<UsageGroup> days = new ArrayList<>();
		LocalDate last = to.minusNanos(1).atZone(zone).toLocalDate();
		for (LocalDate day = from.atZone(zone).toLocalDate(); !day.isAfter(last); day = day.plusDays(1)) {
			String key = day.toString();
			days.add(groups.getOrDefault(key, UsageGroup.empty(key, key)));
		}
		return days;
	}

	/**
	 * The budget itself first (only if anything happened on it directly), then every
	 * direct child in creation order, each labelled with its name.
	 */
	private List<UsageGroup> everyChild(JdbcClient jdbc, Map<String, UsageGroup> groups, Budget budget) {
		List<UsageGroup> children = new ArrayList<>();
		String self = budget.id().toString();
		UsageGroup own = groups.get(self);
		if (own != null) {
			children.add(own.withLabel(budget.name()));
		}
		jdbc.sql("SELECT id, name FROM budgets WHERE parent_id = :id ORDER BY id")
			.param("id", budget.id())
			.query((rs, row) -> {
				String key = rs.getString("id");
				String name = rs.getString("name");
				return children.add(groups.getOrDefault(key, UsageGroup.empty(key, name)).withLabel(name));
			})
			.list();
		return children;
	}

}
