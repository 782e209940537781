package dev.budgetledger.usage.web;

import java.util.List;

/**
 * The groups of a usage report as RFC 4180 CSV: a header row, CRLF line ends, a field
 * quoted when it holds a comma, a quote or a line break (quotes doubled). Amounts stay
 * the decimal strings of the JSON answer.
 */
final class UsageCsv {

	static final List<String> HEADER = List.of("key", "label", "spend", "inputTokens", "outputTokens", "callsAllowed",
			"callsDenied", "overruns", "averageCostPerCall", "charges");

	private UsageCsv() {
	}

	static String write(UsageController.UsageResponse report) {
		StringBuilder csv = new StringBuilder();
		row(csv, HEADER);
		for (UsageController.GroupResponse g : report.groups()) {
			row(csv, List.of(text(g.key()), text(g.label()), g.spend(), Long.toString(g.inputTokens()),
					Long.toString(g.outputTokens()), Long.toString(g.callsAllowed()), Long.toString(g.callsDenied()),
					Long.toString(g.overruns()), g.averageCostPerCall(), Long.toString(g.charges())));
		}
		return csv.toString();
	}

	private static void row(StringBuilder csv, List<String> fields) {
		for (int i = 0; i < fields.size(); i++) {
			if (i > 0) {
				csv.append(',');
			}
			csv.append(field(fields.get(i)));
		}
		csv.append("\r\n");
	}

	static String field(String value) {
		boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
				|| value.indexOf('\r') >= 0;
		return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
	}

	/**
	 * Text a person chose (budget names): a leading {@code = + - @} would make a
	 * spreadsheet run it as a formula (CSV injection), so such a value is prefixed with
	 * an apostrophe, which spreadsheets show as text.
	 */
	static String text(String value) {
		return (!value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0) ? "'" + value : value;
	}

}
