package dev.budgetledger.money;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;

/**
 * An amount the API accepts: at least 0, at most {@link Amounts#MAX}, at most
 * {@link Amounts#SCALE} fractional digits (never rounded). Each broken rule is reported
 * with its own message.
 */
@DecimalMin("0")
@DecimalMax(Amounts.MAX)
@Digits(integer = Amounts.MAX_INTEGER_DIGITS, fraction = Amounts.SCALE)
@Constraint(validatedBy = {})
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE_USE,
		ElementType.ANNOTATION_TYPE })
public @interface Amount {

	String message() default "must be an amount of at most " + Amounts.MAX + " with at most " + Amounts.SCALE
			+ " decimals";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

}
