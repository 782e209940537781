package dev.budgetledger.ledger;

import java.math.BigDecimal;

/** A reservation after settle, release or extend, with what its budget has left. */
public record Settlement(Reservation reservation, BigDecimal available) {
}
