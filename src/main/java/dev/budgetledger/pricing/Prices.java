package dev.budgetledger.pricing;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;

interface Prices extends JpaRepository<Price, String> {

	List<Price> findAllByOrderByModelAsc();

}
