package dev.budgetledger.budget;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class InvalidParentException extends ApiException {

	public InvalidParentException(UUID parentId, String why) {
		super(ProblemType.INVALID_PARENT, "Parent budget " + parentId + " " + why);
		with("parentId", parentId);
	}

}
