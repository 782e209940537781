package dev.budgetledger.usage.web;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.budget.Budget;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.alerting.Denials;
import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.security.Caller;
import dev.budgetledger.security.Role;
import dev.budgetledger.usage.GroupBy;
import dev.budgetledger.usage.UsageGroup;
import dev.budgetledger.usage.UsageReport;
import dev.budgetledger.usage.UsageReports;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Where the money went: a budget's usage report (JSON, or CSV for finance) and its denied
 * calls. Read-only, for ADMIN keys and for CLIENT keys within their scope; anything out
 * of scope is answered as missing.
 */
@RestController
@RequestMapping("/v1/budgets/{id}")
class UsageController {

	/** Longest range a report covers: a year, leap day included. */
	static final Duration MAX_RANGE = Duration.ofDays(366);

	/** Longest range split by hour: 31 days, 744 groups. */
	static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);

	/**
	 * Longest metadata key to group by; metadata keys are short names such as
	 * {@code user} or {@code feature}.
	 */
	static final int MAX_METADATA_KEY = 100;

	static final String TEXT_CSV = "text/csv";

	private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
		.withZone(ZoneOffset.UTC);

	private final UsageReports reports;

	private final Budgets budgets;

	private final Denials denials;

	private final BudgetScope scope;

	private final Clock clock;

	UsageController(UsageReports reports, Budgets budgets, Denials denials, BudgetScope scope, Clock clock) {
		this.reports = reports;
		this.budgets = budgets;
		this.denials = denials;
		this.scope = scope;
		this.clock = clock;
	}

	@GetMapping(path = "/usage", produces = "application/json")
	UsageResponse usage(@PathVariable UUID id, @RequestParam(required = false) @Nullable String from,
			@RequestParam(required = false) @Nullable String to, @RequestParam(defaultValue = "day") String groupBy,
			@RequestParam(required = false) @Nullable String metadataKey, @AuthenticationPrincipal Caller caller) {
		return UsageResponse.of(report(id, from, to, groupBy, metadataKey, caller));
	}

	/** The same groups as CSV (RFC 4180), as a download a spreadsheet opens. */
	@GetMapping(path = "/usage", produces = TEXT_CSV)
	ResponseEntity<String> usageCsv(@PathVariable UUID id, @RequestParam(required = false) @Nullable String from,
			@RequestParam(required = false) @Nullable String to, @RequestParam(defaultValue = "day") String groupBy,
			@RequestParam(required = false) @Nullable String metadataKey, @AuthenticationPrincipal Caller caller) {
		UsageReport report = report(id, from, to, groupBy, metadataKey, caller);
		String filename = "usage-" + id + "-" + FILE_TIME.format(report.from()) + "-" + FILE_TIME.format(report.to())
				+ ".csv";
		return ResponseEntity.ok()
			.contentType(MediaType.parseMediaType("text/csv; charset=UTF-8; header=present"))
			.header(HttpHeaders.CONTENT_DISPOSITION,
					ContentDisposition.attachment().filename(filename).build().toString())
			.body(UsageCsv.write(UsageResponse.of(report)));
	}

	/** Denied reserves on the budget and below it, newest first. */
	@GetMapping(path = "/denials", produces = "application/json")
	PageResponse<DenialResponse> denials(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		Budget budget = this.budgets.get(id);
		long before = (cursor != null) ? Cursors.decodeLong(cursor) : Long.MAX_VALUE;
		java.util.Set<UUID> above = this.scope.above(caller.scope());
		return PageResponse.of(this.denials.listSubtree(budget, before, limit + 1), limit,
				denial -> DenialResponse.of(denial, above), Denials.Denial::id);
	}

	private UsageReport report(UUID id, @Nullable String from, @Nullable String to, String groupBy,
			@Nullable String metadataKey, Caller caller) {
		GroupBy grouping = GroupBy.fromWireName(groupBy)
			.orElseThrow(() -> new InvalidRequestException("groupBy",
					"must be hour, day, model, child, budget, key or metadata"));
		if (grouping == GroupBy.METADATA
				&& (metadataKey == null || metadataKey.isBlank() || metadataKey.length() > MAX_METADATA_KEY)) {
			throw new InvalidRequestException("metadataKey",
					"groupBy=metadata needs the metadata key to group by (1 to " + MAX_METADATA_KEY + " characters)");
		}
		if (grouping != GroupBy.METADATA && metadataKey != null) {
			throw new InvalidRequestException("metadataKey", "is only for groupBy=metadata");
		}
		Instant end = (to != null) ? instant("to", to) : this.clock.instant().truncatedTo(ChronoUnit.MICROS);
		Instant start = (from != null) ? instant("from", from) : null;
		this.scope.requireBudget(caller.scope(), id);
		Budget budget = this.budgets.get(id);
		if (start == null) {
			// The current period; a budget without periods reports since its creation, at
			// most a year back.
			Instant periodStart = budget.periodKey();
			start = periodStart.isBefore(end.minus(MAX_RANGE)) ? end.minus(MAX_RANGE) : periodStart;
		}
		if (!end.isAfter(start)) {
			throw new InvalidRequestException("to", "must be after from (" + start + ")");
		}
		if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
			throw new InvalidRequestException("to", "a report covers at most 366 days");
		}
		if (grouping == GroupBy.HOUR && Duration.between(start, end).compareTo(MAX_HOURLY_RANGE) > 0) {
			throw new InvalidRequestException("to", "a report by hour covers at most 31 days");
		}
		UsageReport report = this.reports.report(id, start, end, grouping, metadataKey);
		return (grouping == GroupBy.KEY && caller.role() == Role.CLIENT) ? withoutOtherKeyNames(report, caller)
				: report;
	}

	/**
	 * A CLIENT key may not list API keys: it sees its own key's name and the other keys
	 * by id only.
	 */
	private static UsageReport withoutOtherKeyNames(UsageReport report, Caller caller) {
		String own = caller.keyId().toString();
		List<UsageGroup> groups = report.groups()
			.stream()
			.map(g -> g.key().equals(own) ? g : g.withLabel(g.key()))
			.toList();
		return new UsageReport(report.budget(), report.from(), report.to(), report.groupBy(), report.metadataKey(),
				groups, report.total());
	}

	private static Instant instant(String field, String text) {
		try {
			return Instant.parse(text).truncatedTo(ChronoUnit.MICROS);
		}
		catch (DateTimeParseException ex) {
			throw new InvalidRequestException(field, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
		}
	}

	/** Amounts in the budget's unit: token amounts are whole numbers. */
	/**
	 * Spend divided by the settlements it came from, for display only: rounded half-even
	 * to the stored scale (to whole tokens on token budgets); zero when nothing was
	 * settled.
	 */
	static String average(BigDecimal spend, long settled, boolean tokens) {
		if (settled == 0) {
			return Amounts.format(BigDecimal.ZERO, tokens);
		}
		BigDecimal average = spend.divide(BigDecimal.valueOf(settled), tokens ? 0 : Amounts.SCALE,
				RoundingMode.HALF_EVEN);
		return Amounts.format(average, tokens);
	}

	record UsageResponse(UUID budgetId, String unit, @Nullable String currency, Instant from, Instant to,
			String groupBy, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String metadataKey, String limit,
			String spent, String reserved, String remaining, List<GroupResponse> groups, TotalResponse total) {

		static UsageResponse of(UsageReport report) {
			Budget b = report.budget();
			boolean tokens = b.countsTokens();
			return new UsageResponse(b.id(), b.unit(), tokens ? null : b.unit(), report.from(), report.to(),
					report.groupBy().wireName(), report.metadataKey(), b.format(b.effectiveLimit()),
					b.format(b.spent()), b.format(b.reserved()), b.format(b.available()),
					report.groups().stream().map(g -> GroupResponse.of(g, tokens)).toList(),
					TotalResponse.of(report.total(), tokens));
		}

	}

	record GroupResponse(String key, String label, String spend, long inputTokens, long outputTokens, long callsAllowed,
			long callsDenied, long overruns, long charges, String averageCostPerCall) {

		static GroupResponse of(UsageGroup g, boolean tokens) {
			return new GroupResponse(g.key(), g.label(), Amounts.format(g.spend(), tokens), g.inputTokens(),
					g.outputTokens(), g.callsAllowed(), g.callsDenied(), g.overruns(), g.charges(),
					average(g.spend(), g.callsSettled() + g.charges(), tokens));
		}

	}

	record TotalResponse(String spend, long inputTokens, long outputTokens, long callsAllowed, long callsDenied,
			long overruns, long charges, String averageCostPerCall) {

		static TotalResponse of(UsageGroup g, boolean tokens) {
			return new TotalResponse(Amounts.format(g.spend(), tokens), g.inputTokens(), g.outputTokens(),
					g.callsAllowed(), g.callsDenied(), g.overruns(), g.charges(),
					average(g.spend(), g.callsSettled() + g.charges(), tokens));
		}

	}

	/**
	 * @param deniedBy the budget that said no, unless it lies above the caller's scope
	 * @param limitedBy BUDGET when {@code deniedBy} names it, ANCESTOR when it lies above
	 * the caller's scope
	 */
	record DenialResponse(long id, UUID budgetId, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable UUID deniedBy,
			String limitedBy, String reason, @Nullable String model, String amount,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable UUID apiKeyId,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String runId, Map<String, Object> metadata,
			Instant createdAt) {

		static DenialResponse of(Denials.Denial d, java.util.Set<UUID> hidden) {
			boolean above = hidden.contains(d.deniedBy());
			return new DenialResponse(d.id(), d.budgetId(), above ? null : d.deniedBy(), above ? "ANCESTOR" : "BUDGET",
					d.reason().name(), d.model(), Amounts.format(d.amount()), d.apiKeyId(), d.runId(), d.metadata(),
					d.createdAt());
		}

	}

}
