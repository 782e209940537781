package dev.budgetledger.audit;

/** The admin changes the audit log records, each with the kind of thing it changes. */
public enum AuditAction {

	BUDGET_CREATE(TargetType.BUDGET), BUDGET_UPDATE(TargetType.BUDGET), BUDGET_FREEZE(TargetType.BUDGET),
	BUDGET_UNFREEZE(TargetType.BUDGET), BUDGET_CLOSE(TargetType.BUDGET), BUDGET_REOPEN(TargetType.BUDGET),
	PRICE_PUT(TargetType.PRICE), API_KEY_CREATE(TargetType.API_KEY), API_KEY_REVOKE(TargetType.API_KEY),
	WEBHOOK_CREATE(TargetType.WEBHOOK), WEBHOOK_UPDATE(TargetType.WEBHOOK), WEBHOOK_DELETE(TargetType.WEBHOOK),
	WEBHOOK_ROTATE_SECRET(TargetType.WEBHOOK), WEBHOOK_DELIVERY_RETRY(TargetType.WEBHOOK),
	RESERVATION_ADJUST(TargetType.RESERVATION);

	private final TargetType targetType;

	AuditAction(TargetType targetType) {
		this.targetType = targetType;
	}

	public TargetType targetType() {
		return this.targetType;
	}

	public enum TargetType {

		BUDGET, PRICE, API_KEY, WEBHOOK, RESERVATION

	}

}
