package dev.budgetledger.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Reserve+settle throughput and latency of the packaged service over HTTP, next to the
 * raw-SQL limit: the same statements issued straight over JDBC with the same concurrency,
 * on the same schema (see docs/benchmarks.md).
 * <p>
 * Not a test: surefire only runs {@code *Tests}; the {@code bench} Maven profile runs
 * this class with failsafe after {@code package}, so it can start the jar as a separate
 * process ({@code ./mvnw -Pbench verify}). Settings are system properties
 * {@code bench.*}, passed through by the profile ({@code -Dbench.clients=32}).
 */
class ReserveSettleBenchmark {

	@Test
	void reserveAndSettle() throws Exception {
		new ReserveSettleBenchmark().run(Settings.fromSystemProperties());
	}

	/** What one run does; every value can be set with {@code -Dbench.<name>}. */
	record Settings(int clients, int seconds, int warmupSeconds, List<String> scenarios, Path jar, String serverUrl,
			String username, String password, List<String> serviceJvmArgs, boolean halfLoad, int jitWarmupSeconds,
			String httpClient, String serviceJava, double pacedRate, int rounds, boolean leanest) {

		static Settings fromSystemProperties() {
			return new Settings(Integer.getInteger("bench.clients", 16), Integer.getInteger("bench.seconds", 10),
					Integer.getInteger("bench.warmupSeconds", 3),
					List.of(property("bench.scenarios", "uniform,hot,tree").split(",")),
					Path.of(property("bench.jar", "target/budget-ledger-0.1.0-SNAPSHOT.jar")),
					property("bench.serverUrl", "jdbc:postgresql://127.0.0.1:5432/postgres"),
					property("bench.username", "postgres"), property("bench.password", "postgres"),
					words(property("bench.serviceJvmArgs", "")),
					Boolean.parseBoolean(property("bench.halfLoad", "true")),
					Integer.getInteger("bench.jitWarmupSeconds", 120),
					httpClient(property("bench.httpClient", "plain")),
					property("bench.serviceJava", Path.of(System.getProperty("java.home"), "bin", "java").toString()),
					Double.parseDouble(property("bench.pacedRate", "0")), Integer.getInteger("bench.rounds", 5),
					Boolean.parseBoolean(property("bench.leanest", "true")));
		}

		private static String httpClient(String name) {
			if (!name.equals("plain") && !name.equals("jdk")) {
				throw new IllegalArgumentException("bench.httpClient is plain or jdk, not " + name);
			}
			return name;
		}

		private static String property(String name, String fallback) {
			String value = System.getProperty(name);
			return (value == null || value.isBlank()) ? fallback : value.strip();
		}

		private static List<String> words(String text) {
			return text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
		}

	}

	private static final String RESERVE_AMOUNT = "0.01";

	private static final String SETTLE_AMOUNT = "0.005";

	private static final String LIMIT = "1000000000";

	void run(Settings settings) throws Exception {
		String database = "budget_ledger_bench_"
				+ LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "_"
				+ Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16));
		String databaseUrl = settings.serverUrl().substring(0, settings.serverUrl().lastIndexOf('/') + 1) + database;
		String adminKey = newAdminKey();
		int port = freePort();
		Path log = Path.of("target", "bench", "service.log");
		Files.createDirectories(log.getParent());
		System.out.printf(Locale.ROOT,
				"%nbudget-ledger benchmark: %d clients, %d s per side in %d alternating rounds "
						+ "after %d s warm-up, scenarios %s, HTTP client %s, database %s, port %d%n",
				settings.clients(), settings.seconds(), settings.rounds(), settings.warmupSeconds(),
				settings.scenarios(), settings.httpClient(), database, port);
		sql(settings, settings.serverUrl(), "CREATE DATABASE " + database);
		Service service = null;
		List<Row> rows = new ArrayList<>();
		try {
			Service started = Service.start(settings, databaseUrl, adminKey, port, log);
			service = started;
			ExecutorService pool = Executors.newFixedThreadPool(settings.clients());
			CyclesFactory http = () -> HttpCycles.open(started, settings.httpClient());
			try {
				boolean cold = true;
				for (String scenario : settings.scenarios()) {
					List<UUID> targets = setUp(scenario, started, pool);
					if (settings.leanest()) {
						LeanCycles.mirror(settings, databaseUrl);
					}
					if (cold && settings.jitWarmupSeconds() > 0) {
						warmUp("service", settings, pool, targets, http, started::compilationMillis);
						warmUp("raw-SQL load generator", settings, pool, targets,
								() -> new SqlCycles(settings, databaseUrl),
								() -> ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
						cold = false;
					}
					CyclesFactory sql = () -> new SqlCycles(settings, databaseUrl);
					// Without the leanest side (bench.leanest=false), two sides
					// alternate, as before it existed.
					CyclesFactory lean = settings.leanest() ? () -> new LeanCycles(settings, databaseUrl) : null;
					Row peak = measure(scenario, settings, pool, targets, http, started, sql, lean, 0);
					rows.add(peak);
					print(rows);
					if (scenario.equals("uniform") && settings.halfLoad()) {
						// A fixed rate compares builds at the same load; by default, half
						// of this build's peak. Raw
						// SQL runs at the same rate: the tail this machine gives a
						// request that does no more than that.
						boolean fixed = settings.pacedRate() > 0;
						double rate = fixed ? settings.pacedRate() : peak.service().cyclesPerSecond() / 2;
						rows.add(measure(fixed ? "uniform at a fixed rate" : "uniform @ 50 % of service peak", settings,
								pool, targets, http, started, sql, lean, rate));
						print(rows);
					}
				}
			}
			finally {
				pool.shutdownNow();
			}
		}
		finally {
			if (service != null) {
				service.stop();
			}
			sql(settings, settings.serverUrl(), "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
		}
		System.out.println();
		System.out.println("Final results (" + settings.clients() + " clients, " + settings.seconds() + " s each):");
		print(rows);
		List<Row> failed = rows.stream().filter(row -> row.service().errors() > 0).toList();
		if (!failed.isEmpty()) {
			throw new AssertionError("Requests failed; see the first error per run above and " + log);
		}
	}

	// ---------------------------------------------------------------- scenarios

	/**
	 * Opens the scenario's budgets through the API and returns those a request picks
	 * from.
	 */
	private static List<UUID> setUp(String scenario, Service service, ExecutorService pool) throws Exception {
		switch (scenario) {
			case "uniform" -> {
				return openAll(service, pool, 1000, i -> "uniform-" + i, null);
			}
			case "hot" -> {
				return List.of(service.openBudget("hot", null));
			}
			case "tree" -> {
				UUID root = service.openBudget("tree-root", null);
				List<UUID> teams = openAll(service, pool, 4, i -> "tree-team-" + i, root);
				List<UUID> leaves = new ArrayList<>();
				for (UUID team : teams) {
					leaves.addAll(openAll(service, pool, 250, i -> "tree-leaf-" + team + "-" + i, team));
				}
				return leaves;
			}
			default -> throw new IllegalArgumentException("Unknown scenario " + scenario + "; use uniform, hot, tree");
		}
	}

	private static List<UUID> openAll(Service service, ExecutorService pool, int count,
			java.util.function.IntFunction<String> name, UUID parent) throws Exception {
		List<Future<UUID>> opened = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int index = i;
			opened.add(pool.submit(() -> service.openBudget(name.apply(index), parent)));
		}
		List<UUID> ids = new ArrayList<>();
		for (Future<UUID> id : opened) {
			ids.add(id.get());
		}
		return ids;
	}

	// ---------------------------------------------------------------- measuring

	/** One reserve+settle cycle on a budget, split in its two calls. */
	interface Cycles extends AutoCloseable {

		UUID reserve(UUID budget) throws Exception;

		void settle(UUID reservation) throws Exception;

		@Override
		default void close() throws Exception {
		}

	}

	interface CyclesFactory {

		Cycles open() throws Exception;

	}

	/**
	 * Load rounds of the JIT warm-up; it ends after a round in which the JVM compiled
	 * less than 5 % of it.
	 */
	private static final int WARMUP_ROUND_SECONDS = 3;

	private static final double QUIET_COMPILER = 0.05;

	/** The JIT compilation time so far of one JVM, in milliseconds. */
	interface CompilationClock {

		double millis() throws Exception;

	}

	/**
	 * Drives {@code cycles} until the JIT compiler of the JVM that serves them has
	 * (nearly) finished: a fresh JVM runs the Spring stack (or pgjdbc) interpreted at
	 * first, and on two cores its compiler threads take CPU from the requests for a long
	 * time (with a fixed 15 s warm-up, the service measured 2.9 ms of CPU per uniform
	 * cycle; once its compiler had finished, 0.8 ms). Rounds of
	 * {@value #WARMUP_ROUND_SECONDS} s go on until that JVM spent less than 5 % of a
	 * round compiling, at least three and for at most {@code bench.jitWarmupSeconds}.
	 */
	private static void warmUp(String what, Settings settings, ExecutorService pool, List<UUID> targets,
			CyclesFactory cycles, CompilationClock compiler) throws Exception {
		long started = System.nanoTime();
		double compiled = compiler.millis();
		List<Cycles> clients = open(settings.clients(), cycles);
		try {
			for (int round = 1;; round++) {
				drive(clients, TimeUnit.SECONDS.toMillis(WARMUP_ROUND_SECONDS), pool, targets, 0, false, null);
				double now = compiler.millis();
				double share = (now - compiled) / (WARMUP_ROUND_SECONDS * 1000.0);
				compiled = now;
				long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
				boolean quiet = share < QUIET_COMPILER;
				if ((round >= 3 && quiet) || elapsed + WARMUP_ROUND_SECONDS > settings.jitWarmupSeconds()) {
					System.out.printf(Locale.ROOT,
							"JIT warm-up of the %s: %d s, %d rounds, %.0f %% compiling in the last%s%n", what, elapsed,
							round, 100 * share,
							quiet ? "" : " (bench.jitWarmupSeconds reached while the compiler was still busy)");
					return;
				}
			}
		}
		finally {
			close(clients);
		}
	}

	/**
	 * Measures the service and raw SQL side by side: each warms up, then they take turns
	 * in {@code bench.rounds} slices of the measured time, so a machine that speeds up or
	 * slows down meanwhile does so for both. {@code rate} > 0 paces the clients to that
	 * many cycles per second in all (each on a fixed schedule, so a slow call is not
	 * hidden by the next wait).
	 */
	private static Row measure(String scenario, Settings settings, ExecutorService pool, List<UUID> targets,
			CyclesFactory http, Service service, CyclesFactory sql, CyclesFactory lean, double rate) throws Exception {
		// Each side keeps its connections from warm-up to the end: a new PostgreSQL
		// backend loads its caches and
		// plans its first statements, which a measured slice must not pay for (the
		// service's pool is warm too).
		List<Cycles> viaService = open(settings.clients(), http);
		try {
			List<Cycles> raw = open(settings.clients(), sql);
			List<Cycles> leanest = (lean != null) ? open(settings.clients(), lean) : List.of();
			try {
				long warmup = TimeUnit.SECONDS.toMillis(settings.warmupSeconds());
				if (warmup > 0) {
					drive(viaService, warmup, pool, targets, rate, false, service);
					drive(raw, warmup, pool, targets, rate, false, null);
					if (!leanest.isEmpty()) {
						drive(leanest, warmup, pool, targets, rate, false, null);
					}
				}
				List<Slice> serviceSlices = new ArrayList<>();
				List<Slice> rawSlices = new ArrayList<>();
				List<Slice> leanSlices = new ArrayList<>();
				long slice = TimeUnit.SECONDS.toMillis(settings.seconds()) / settings.rounds();
				for (int round = 0; round < settings.rounds(); round++) {
					serviceSlices.add(drive(viaService, slice, pool, targets, rate, true, service));
					rawSlices.add(drive(raw, slice, pool, targets, rate, true, null));
					if (!leanest.isEmpty()) {
						leanSlices.add(drive(leanest, slice, pool, targets, rate, true, null));
					}
				}
				return new Row(scenario, Measured.of(serviceSlices, rate), Measured.of(rawSlices, rate),
						leanSlices.isEmpty() ? null : Measured.of(leanSlices, rate));
			}
			finally {
				close(leanest);
				close(raw);
			}
		}
		finally {
			close(viaService);
		}
	}

	/**
	 * One client each: an open HTTP connection to the service, or an open JDBC connection
	 * for raw SQL.
	 */
	private static List<Cycles> open(int clients, CyclesFactory factory) throws Exception {
		List<Cycles> opened = new ArrayList<>();
		try {
			for (int i = 0; i < clients; i++) {
				opened.add(factory.open());
			}
		}
		catch (Exception | Error ex) {
			close(opened);
			throw ex;
		}
		return opened;
	}

	private static void close(List<Cycles> clients) throws Exception {
		Exception failure = null;
		for (Cycles client : clients) {
			try {
				client.close();
			}
			catch (Exception ex) {
				failure = (failure != null) ? failure : ex;
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	/**
	 * Runs the clients (their connections open) for {@code millis}. A {@code measured}
	 * run also takes the CPU time of the {@code service} (when it is the service that is
	 * measured; its memory is sampled too), this JVM and PostgreSQL once every client has
	 * started and again once every client is done; the connections stay open until after
	 * that, so PostgreSQL backends are counted whole (a backend that exits takes its CPU
	 * time with it).
	 */
	private static Slice drive(List<Cycles> clients, long millis, ExecutorService pool, List<UUID> targets, double rate,
			boolean measured, Service service) throws Exception {
		AtomicLong errors = new AtomicLong();
		AtomicReference<String> firstError = new AtomicReference<>();
		CountDownLatch started = new CountDownLatch(clients.size());
		List<Callable<long[][]>> work = new ArrayList<>();
		long intervalNanos = (rate > 0) ? (long) (clients.size() * 1e9 / rate) : 0;
		long start = System.nanoTime() + 100_000_000L;
		long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
		for (int c = 0; c < clients.size(); c++) {
			long offset = (intervalNanos > 0) ? intervalNanos * c / clients.size() : 0;
			Cycles client = clients.get(c);
			work.add(() -> {
				Latencies reserves = new Latencies();
				Latencies settles = new Latencies();
				Latencies cycles = new Latencies();
				started.countDown();
				ThreadLocalRandom random = ThreadLocalRandom.current();
				long next = start + offset;
				sleepUntil(start);
				while (true) {
					if (intervalNanos > 0) {
						sleepUntil(next);
						next += intervalNanos;
					}
					long t0 = System.nanoTime();
					if (t0 >= end) {
						break;
					}
					try {
						UUID reservation = client.reserve(targets.get(random.nextInt(targets.size())));
						long t1 = System.nanoTime();
						client.settle(reservation);
						long t2 = System.nanoTime();
						reserves.add(t1 - t0);
						settles.add(t2 - t1);
						cycles.add(t2 - t0);
					}
					catch (Exception ex) {
						errors.incrementAndGet();
						firstError.compareAndSet(null, ex.toString());
					}
				}
				return new long[][] { reserves.values(), settles.values(), cycles.values() };
			});
		}
		List<Future<long[][]>> running = new ArrayList<>();
		work.forEach(task -> running.add(pool.submit(task)));
		Sampler sampler = (measured && service != null) ? service.sampler() : null;
		started.await();
		Cpu before = measured ? Cpu.now(service) : null;
		if (sampler != null) {
			sampler.begin();
		}
		List<long[]> reserves = new ArrayList<>();
		List<long[]> settles = new ArrayList<>();
		List<long[]> cycles = new ArrayList<>();
		for (Future<long[][]> done : running) {
			long[][] values = done.get();
			reserves.add(values[0]);
			settles.add(values[1]);
			cycles.add(values[2]);
		}
		Cpu after = measured ? Cpu.now(service) : null;
		Memory memory = (sampler != null) ? sampler.end() : null;
		if (firstError.get() != null) {
			System.out.println("  first error: " + firstError.get());
		}
		return new Slice(reserves, settles, cycles, millis, errors.get(), memory, before, after);
	}

	/**
	 * What one run of the clients measured, before it is summed up with the other slices
	 * of its side.
	 */
	record Slice(List<long[]> reserves, List<long[]> settles, List<long[]> cycles, long millis, long errors,
			Memory memory, Cpu before, Cpu after) {
	}

	/**
	 * CPU time so far of the service (when it is measured), this JVM (the load generator)
	 * and PostgreSQL, at one moment.
	 */
	private record Cpu(long at, long service, long client, Map<String, Long> database, boolean viaService) {

		static Cpu now(Service service) throws IOException {
			return new Cpu(System.nanoTime(), (service != null) ? service.cpuNanos() : 0, clientCpuNanos(),
					databaseCpuNanos(), service != null);
		}

		/**
		 * CPU time of the service, this JVM and PostgreSQL and the machine's (every core)
		 * until a later moment.
		 */
		CpuUsed until(Cpu later) {
			double machine = (later.at - this.at) * (double) Runtime.getRuntime().availableProcessors();
			return new CpuUsed(this.viaService ? later.service - this.service : Double.NaN, later.client - this.client,
					databaseCpuBetween(this.database, later.database), machine);
		}

	}

	/**
	 * CPU nanoseconds used by each part over some time, and the machine's (every core)
	 * over the same time.
	 */
	private record CpuUsed(double service, double client, double database, double machine) {

		static final CpuUsed NONE = new CpuUsed(0, 0, 0, 0);

		CpuUsed plus(CpuUsed other) {
			return new CpuUsed(this.service + other.service, this.client + other.client, this.database + other.database,
					this.machine + other.machine);
		}

	}

	private static void sleepUntil(long nanoTime) throws InterruptedException {
		long wait = nanoTime - System.nanoTime();
		if (wait > 0) {
			TimeUnit.NANOSECONDS.sleep(wait);
		}
	}

	/**
	 * A growing array of nanosecond latencies, one per client, so recording never
	 * contends.
	 */
	static final class Latencies {

		private long[] values = new long[4096];

		private int size;

		void add(long value) {
			if (this.size == this.values.length) {
				this.values = Arrays.copyOf(this.values, this.size * 2);
			}
			this.values[this.size++] = value;
		}

		long[] values() {
			return Arrays.copyOf(this.values, this.size);
		}

	}

	record Stats(long count, double p50Ms, double p99Ms, double maxMs) {

		static Stats of(List<long[]> parts) {
			long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
			if (all.length == 0) {
				return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
			}
			return new Stats(all.length, ms(all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.50) - 1)]),
					ms(all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)]), ms(all[all.length - 1]));
		}

		private static double ms(long nanos) {
			return nanos / 1e6;
		}

	}

	record Memory(long heapUsedMaxBytes, long rssMaxKb) {
	}

	/**
	 * @param serviceCpu the service's share of all the machine's CPU time during the run
	 * (0.5 = one core of two)
	 * @param clientCpu the same for this JVM, the load generator (HTTP or JDBC clients)
	 * @param databaseCpu the same for PostgreSQL (all its processes, when it runs on this
	 * machine; else 0)
	 */
	record Measured(Stats reserve, Stats settle, Stats cycle, long millis, long errors, double pacedRate, Memory memory,
			double serviceCpu, double clientCpu, double databaseCpu) {

		/**
		 * One side's slices taken together: every latency, the errors, the most memory,
		 * CPU over all the time.
		 */
		static Measured of(List<Slice> slices, double pacedRate) {
			List<long[]> reserves = new ArrayList<>();
			List<long[]> settles = new ArrayList<>();
			List<long[]> cycles = new ArrayList<>();
			long millis = 0;
			long errors = 0;
			Memory memory = null;
			CpuUsed cpu = CpuUsed.NONE;
			for (Slice slice : slices) {
				reserves.addAll(slice.reserves());
				settles.addAll(slice.settles());
				cycles.addAll(slice.cycles());
				millis += slice.millis();
				errors += slice.errors();
				if (slice.memory() != null) {
					memory = (memory == null) ? slice.memory()
							: new Memory(Math.max(memory.heapUsedMaxBytes(), slice.memory().heapUsedMaxBytes()),
									Math.max(memory.rssMaxKb(), slice.memory().rssMaxKb()));
				}
				cpu = cpu.plus(slice.before().until(slice.after()));
			}
			return new Measured(Stats.of(reserves), Stats.of(settles), Stats.of(cycles), millis, errors, pacedRate,
					memory, cpu.service() / cpu.machine(), cpu.client() / cpu.machine(),
					cpu.database() / cpu.machine());
		}

		double cyclesPerSecond() {
			return this.cycle.count() * 1000.0 / this.millis;
		}

	}

	/**
	 * One scenario: the service, the service's own statements over JDBC
	 * ({@link SqlCycles}), the leanest cycle ({@link LeanCycles}).
	 */
	record Row(String scenario, Measured service, Measured raw, Measured lean) {
	}

	private static void print(List<Row> rows) {
		System.out.println();
		System.out.println("| scenario | service cycles/s | raw SQL cycles/s | service / raw | leanest SQL cycles/s "
				+ "| service / leanest | service reserve p50 / p99 / max ms "
				+ "| service settle p50 / p99 / max ms | raw reserve p50 / p99 / max ms | raw settle p50 / p99 / max ms "
				+ "| errors service / raw / leanest | service heap used max MB | service RSS max MB "
				+ "| CPU % service / its load generator / PostgreSQL | CPU % raw-SQL load generator / PostgreSQL "
				+ "| CPU % leanest load generator / PostgreSQL |");
		System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
		for (Row row : rows) {
			Measured s = row.service();
			Measured r = row.raw();
			Measured l = row.lean();
			System.out.printf(Locale.ROOT,
					"| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %d / %s / %s | %s | %s | %s | %s | %s |%n",
					row.scenario() + ((s.pacedRate() > 0)
							? String.format(Locale.ROOT, " (paced at %.0f/s)", s.pacedRate()) : ""),
					s.cyclesPerSecond(), rate(r), ratio(s, r), rate(l), ratio(s, l), latency(s.reserve()),
					latency(s.settle()), (r != null) ? latency(r.reserve()) : "-",
					(r != null) ? latency(r.settle()) : "-", s.errors(), (r != null) ? String.valueOf(r.errors()) : "-",
					(l != null) ? String.valueOf(l.errors()) : "-",
					(s.memory() != null) ? String.valueOf(s.memory().heapUsedMaxBytes() / (1024 * 1024)) : "?",
					(s.memory() != null) ? String.valueOf(s.memory().rssMaxKb() / 1024) : "?",
					String.format(Locale.ROOT, "%.0f / %.0f / %.0f", 100 * s.serviceCpu(), 100 * s.clientCpu(),
							100 * s.databaseCpu()),
					cpu(r), cpu(l));
		}
	}

	private static String rate(Measured m) {
		return (m != null) ? String.format(Locale.ROOT, "%.0f", m.cyclesPerSecond()) : "-";
	}

	private static String ratio(Measured service, Measured baseline) {
		return (baseline != null)
				? String.format(Locale.ROOT, "%.2f", service.cyclesPerSecond() / baseline.cyclesPerSecond()) : "-";
	}

	private static String cpu(Measured m) {
		return (m != null) ? String.format(Locale.ROOT, "%.0f / %.0f", 100 * m.clientCpu(), 100 * m.databaseCpu())
				: "-";
	}

	private static String latency(Stats stats) {
		return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", stats.p50Ms(), stats.p99Ms(), stats.maxMs());
	}

	// ---------------------------------------------------------------- the service over
	// HTTP

	/** The packaged jar, started as its own process on a fresh database. */
	static final class Service {

		private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");

		private static final Pattern COMPILATION = Pattern
			.compile("(?m)^jvm_compilation_time_ms_total(?:\\{[^}]*\\})?\\s+(\\S+)");

		private static final Pattern HEAP = Pattern
			.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}\\s+(\\S+)");

		private final Process process;

		private final String base;

		private final String authorization;

		private final HttpClient http;

		private final int port;

		private Service(Process process, int port, String adminKey) {
			this.process = process;
			this.port = port;
			String base = "http://127.0.0.1:" + port;
			this.base = base;
			this.authorization = "Bearer " + adminKey;
			this.http = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(5))
				.build();
		}

		static Service start(Settings settings, String databaseUrl, String adminKey, int port, Path log)
				throws Exception {
			if (!Files.isRegularFile(settings.jar())) {
				throw new IllegalStateException("No jar at " + settings.jar().toAbsolutePath()
						+ "; run ./mvnw -Pbench verify, which packages it first");
			}
			List<String> command = new ArrayList<>();
			command.add(settings.serviceJava());
			command.addAll(settings.serviceJvmArgs());
			command.addAll(List.of("-jar", settings.jar().toString(), "--server.port=" + port,
					"--spring.datasource.url=" + databaseUrl, "--spring.datasource.username=" + settings.username(),
					"--spring.datasource.password=" + settings.password(),
					// The per-key limit (100/s) would measure the limiter, not the
					// ledger: every client uses one key.
					"--budget-ledger.security.rate-limit.requests-per-second=1000000000",
					"--budget-ledger.security.rate-limit.burst=1000000000"));
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			builder.environment().put("BUDGET_LEDGER_ADMIN_KEY", adminKey);
			long started = System.nanoTime();
			Process process = builder.start();
			// Never leave the service running when this JVM ends early (a timeout,
			// Ctrl-C).
			Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
			Service service = new Service(process, port, adminKey);
			service.awaitHealthy(log);
			System.out.printf(Locale.ROOT, "service pid %d up in %.1f s (jvm args %s, log %s)%n", service.process.pid(),
					(System.nanoTime() - started) / 1e9, settings.serviceJvmArgs(), log);
			return service;
		}

		private void awaitHealthy(Path log) throws Exception {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (System.nanoTime() < deadline) {
				if (!this.process.isAlive()) {
					throw new IllegalStateException(
							"The service exited with " + this.process.exitValue() + "; see " + log.toAbsolutePath());
				}
				try {
					HttpResponse<String> health = this.http
						.send(HttpRequest.newBuilder(URI.create(this.base + "/actuator/health"))
							.timeout(Duration.ofSeconds(5))
							.GET()
							.build(), HttpResponse.BodyHandlers.ofString());
					if (health.statusCode() == 200) {
						return;
					}
				}
				catch (IOException notYet) {
					// not listening yet
				}
				Thread.sleep(250);
			}
			throw new IllegalStateException("The service did not become healthy in 120 s; see " + log.toAbsolutePath());
		}

		UUID openBudget(String name, UUID parent) throws Exception {
			String body = "{\"name\": \"" + name + "\", \"limit\": \"" + LIMIT + "\", \"currency\": \"USD\""
					+ ((parent != null) ? ", \"parentId\": \"" + parent + "\"" : "") + "}";
			return id(post("/v1/budgets", body, 201));
		}

		String post(String path, String body, int expected) throws Exception {
			HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(this.base + path))
				.header("Authorization", this.authorization)
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != expected) {
				throw new IllegalStateException(
						"POST " + path + " answered " + response.statusCode() + ": " + abbreviate(response.body()));
			}
			return response.body();
		}

		static UUID id(String json) {
			Matcher matcher = ID.matcher(json);
			if (!matcher.find()) {
				throw new IllegalStateException("No id in " + abbreviate(json));
			}
			return UUID.fromString(matcher.group(1));
		}

		/**
		 * The service's JIT compilation time so far
		 * ({@code jvm_compilation_time_ms_total}), in milliseconds.
		 */
		double compilationMillis() throws Exception {
			Matcher matcher = COMPILATION.matcher(scrape());
			return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
		}

		long heapUsedBytes() throws Exception {
			Matcher matcher = HEAP.matcher(scrape());
			long sum = 0;
			while (matcher.find()) {
				sum += (long) Double.parseDouble(matcher.group(1));
			}
			return sum;
		}

		private String scrape() throws Exception {
			return this.http
				.send(HttpRequest.newBuilder(URI.create(this.base + "/actuator/prometheus"))
					.header("Authorization", this.authorization)
					.timeout(Duration.ofSeconds(5))
					.GET()
					.build(), HttpResponse.BodyHandlers.ofString())
				.body();
		}

		long rssKb() throws IOException {
			for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(this.process.pid()), "status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("\\D", ""));
				}
			}
			return -1;
		}

		/** User plus system CPU time of the service process so far. */
		long cpuNanos() throws IOException {
			return processCpuNanos(Path.of("/proc", String.valueOf(this.process.pid())));
		}

		/**
		 * Reads heap used and RSS once a second while a run lasts, keeping the highest of
		 * each.
		 */
		Sampler sampler() {
			return new Sampler(this);
		}

		void stop() throws InterruptedException {
			this.process.destroy();
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}

		PlainHttp plainHttp() {
			return new PlainHttp("127.0.0.1", this.port, 30_000);
		}

		static String abbreviate(String text) {
			return (text.length() > 300) ? text.substring(0, 300) + "..." : text;
		}

	}

	static final class Sampler {

		private final Service service;

		private final AtomicLong heap = new AtomicLong();

		private final AtomicLong rss = new AtomicLong();

		private volatile boolean stopped;

		private Thread thread;

		Sampler(Service service) {
			this.service = service;
		}

		void begin() {
			this.thread = new Thread(() -> {
				// A flag, not the interrupt: an interrupted HTTP call clears the
				// interrupt status in sample().
				while (!this.stopped) {
					sample();
					try {
						Thread.sleep(1000);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "bench-sampler");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		Memory end() throws InterruptedException {
			this.stopped = true;
			this.thread.interrupt();
			this.thread.join(TimeUnit.SECONDS.toMillis(15));
			sample();
			return new Memory(this.heap.get(), this.rss.get());
		}

		private void sample() {
			try {
				this.heap.accumulateAndGet(this.service.heapUsedBytes(), Math::max);
				this.rss.accumulateAndGet(this.service.rssKb(), Math::max);
			}
			catch (Exception ex) {
				// a missed sample only lowers the maximum; the run itself goes on
			}
		}

	}

	/**
	 * One client of the service: a reserve is {@code POST /v1/reservations}, a settle
	 * {@code .../settle}. Over its own kept-alive {@link PlainHttp} connection (the
	 * default, {@code bench.httpClient=plain}), or through the shared
	 * {@code java.net.http.HttpClient} ({@code jdk}).
	 */
	static final class HttpCycles implements Cycles {

		private final Service service;

		private final PlainHttp plain;

		private HttpCycles(Service service, PlainHttp plain) {
			this.service = service;
			this.plain = plain;
		}

		static HttpCycles open(Service service, String client) {
			return new HttpCycles(service, client.equals("plain") ? service.plainHttp() : null);
		}

		@Override
		public UUID reserve(UUID budget) throws Exception {
			return Service.id(post("/v1/reservations",
					"{\"budgetId\": \"" + budget + "\", \"amount\": \"" + RESERVE_AMOUNT + "\"}", 201));
		}

		@Override
		public void settle(UUID reservation) throws Exception {
			post("/v1/reservations/" + reservation + "/settle", "{\"amount\": \"" + SETTLE_AMOUNT + "\"}", 200);
		}

		private String post(String path, String body, int expected) throws Exception {
			if (this.plain == null) {
				return this.service.post(path, body, expected);
			}
			PlainHttp.Response response = this.plain.post(path, this.service.authorization, body);
			if (response.status() != expected) {
				throw new IllegalStateException(
						"POST " + path + " answered " + response.status() + ": " + Service.abbreviate(response.body()));
			}
			return response.body();
		}

		@Override
		public void close() {
			if (this.plain != null) {
				this.plain.close();
			}
		}

	}

	// ---------------------------------------------------------------- helpers

	/** USER_HZ, 100 on every Linux this runs on (getconf CLK_TCK). */
	private static final long CLOCK_TICKS_PER_SECOND = 100;

	/**
	 * User plus system CPU time of one process so far, from {@code /proc/[pid]/stat}
	 * (utime and stime, in ticks).
	 */
	private static long processCpuNanos(Path process) throws IOException {
		String stat = Files.readString(process.resolve("stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
	}

	/**
	 * User plus system CPU time so far of every process named {@code postgres} on this
	 * machine (the server and its backends), by process id, from /proc; empty where there
	 * is no /proc or PostgreSQL runs elsewhere.
	 */
	private static Map<String, Long> databaseCpuNanos() {
		Map<String, Long> ticks = new HashMap<>();
		try (var processes = Files.list(Path.of("/proc"))) {
			for (Path process : (Iterable<Path>) processes::iterator) {
				String pid = process.getFileName().toString();
				if (!pid.chars().allMatch(Character::isDigit)) {
					continue;
				}
				try {
					if (!Files.readString(process.resolve("comm")).strip().equals("postgres")) {
						continue;
					}
					ticks.put(pid, processCpuNanos(process));
				}
				catch (IOException gone) {
					// the process ended between the listing and the read
				}
			}
		}
		catch (IOException noProc) {
			return Map.of();
		}
		return ticks;
	}

	/**
	 * What PostgreSQL's processes used between two readings: each process that is still
	 * there, less what it had used before (nothing if it is new). A process that ended in
	 * between took its time with it, which is why the clients keep their connections
	 * until the second reading; other work on the same server would be counted too.
	 */
	private static long databaseCpuBetween(Map<String, Long> before, Map<String, Long> after) {
		long used = 0;
		for (Map.Entry<String, Long> process : after.entrySet()) {
			used += Math.max(0, process.getValue() - before.getOrDefault(process.getKey(), 0L));
		}
		return used;
	}

	private static long clientCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	private static String newAdminKey() {
		byte[] random = new byte[32];
		new SecureRandom().nextBytes(random);
		return "bl_live_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static void sql(Settings settings, String url, String statement) throws SQLException {
		try (Connection connection = DriverManager.getConnection(url, settings.username(), settings.password());
				Statement sql = connection.createStatement()) {
			sql.execute(statement);
		}
	}

}
