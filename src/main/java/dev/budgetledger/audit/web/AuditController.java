package dev.budgetledger.audit.web;

import java.time.Instant;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.audit.AuditEntry;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit log, for admins (the security configuration keeps everyone else out). */
@RestController
@RequestMapping(path = "/v1/audit", produces = "application/json")
class AuditController {

	private final AuditLog audit;

	AuditController(AuditLog audit) {
		this.audit = audit;
	}

	@GetMapping
	PageResponse<AuditResponse> list(@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor,
			@RequestParam(required = false) @Nullable @Size(min = 1, max = 200) String targetId) {
		return PageResponse.of(this.audit.list(targetId, Cursors.decodeLong(cursor), limit + 1), limit,
				AuditResponse::of, AuditEntry::id);
	}

	record AuditResponse(long id, @Nullable UUID actorKeyId, String actorName, String action, String targetType,
			String targetId, @Nullable JsonNode before, @Nullable JsonNode after, Instant createdAt) {

		static AuditResponse of(AuditEntry entry) {
			return new AuditResponse(entry.id(), entry.actorKeyId(), entry.actorName(), entry.action().name(),
					entry.targetType(), entry.targetId(), entry.before(), entry.after(), entry.createdAt());
		}

	}

}
