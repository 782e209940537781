package dev.budgetledger.events.web;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.events.Event;
import dev.budgetledger.events.EventType;
import dev.budgetledger.events.Events;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.security.Caller;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The event feed for consumers that prefer to poll: pass back {@code next} as
 * {@code after}. Newest first ({@code order=newest}) for a view of what happened lately,
 * paged back with {@code before}.
 */
@RestController
class EventController {

	private final Events events;

	private final BudgetScope scope;

	EventController(Events events, BudgetScope scope) {
		this.events = events;
		this.scope = scope;
	}

	@GetMapping(path = "/v1/events", produces = "application/json")
	EventPage feed(@RequestParam(defaultValue = "0") @Min(0) long after,
			@RequestParam(required = false) @Nullable @Min(1) Long before,
			@RequestParam(defaultValue = "oldest") String order, @RequestParam(required = false) @Nullable String type,
			@RequestParam(required = false) @Nullable UUID budgetId,
			@RequestParam(defaultValue = "100") @Min(1) @Max(500) int limit, @AuthenticationPrincipal Caller caller) {
		if (!order.equals("oldest") && !order.equals("newest")) {
			throw new InvalidRequestException("order", "must be oldest or newest");
		}
		boolean newestFirst = order.equals("newest");
		if (before != null && !newestFirst) {
			throw new InvalidRequestException("before", "goes with order=newest; with oldest first, page with after");
		}
		EventType eventType = null;
		if (type != null) {
			try {
				eventType = EventType.fromWireName(type);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidRequestException("type", "must be an event type such as budget.threshold_crossed");
			}
		}
		UUID subtree = budgetId;
		if (budgetId != null) {
			this.scope.requireBudget(caller.scope(), budgetId);
		}
		else if (caller.scope() != null) {
			subtree = caller.scope();
		}
		List<Event> page = this.events.page(after, before, newestFirst, eventType, subtree, limit);
		long next = !page.isEmpty() ? page.get(page.size() - 1).position() : newestFirst ? nonNull(before, 0) : after;
		Set<UUID> above = this.scope.above(caller.scope());
		return new EventPage(page.stream().map(event -> EventResponse.of(event, above)).toList(), next);
	}

	private static long nonNull(@Nullable Long value, long otherwise) {
		return (value != null) ? value : otherwise;
	}

	/**
	 * @param next the position to pass as {@code after} for the events that follow
	 * (oldest first), or as {@code before} for those that precede (newest first)
	 */
	record EventPage(List<EventResponse> items, long next) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record EventResponse(UUID id, long position, String type, UUID budgetId, @Nullable UUID reservationId,
			Map<String, Object> data, Instant createdAt) {

		/**
		 * The event as a caller sees it: a denial caused by a budget above the caller's
		 * scope says {@code limitedBy: ANCESTOR} instead of naming that budget and its
		 * figures.
		 */
		static EventResponse of(Event event, Set<UUID> above) {
			Map<String, Object> data = event.data();
			if (event.type() == EventType.DENIED) {
				Object limiting = data.get("limitingBudgetId");
				boolean hidden = limiting != null && above.contains(UUID.fromString(limiting.toString()));
				data = new LinkedHashMap<>(data);
				if (hidden) {
					data.remove("limitingBudgetId");
					data.remove("available");
				}
				data.put("limitedBy", hidden ? "ANCESTOR" : "BUDGET");
			}
			return new EventResponse(event.id(), event.position(), event.type().wireName(), event.budgetId(),
					event.reservationId(), data, event.createdAt());
		}

	}

}
