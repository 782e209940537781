package dev.budgetledger.pricing;

import java.util.List;
import java.util.Optional;

import jakarta.persistence.LockModeType;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface Prices extends JpaRepository<Price, String> {

	List<Price> findAllByOrderByModelAsc();

	@Lock(LockModeType.PESSIMISTIC_WRITE)
	@Query("SELECT p FROM Price p WHERE p.model = :model")
	Optional<Price> findForUpdate(String model);

}
