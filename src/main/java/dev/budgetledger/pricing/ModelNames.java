package dev.budgetledger.pricing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a model name as a provider or a router ships it finds its catalog entry. The
 * catalog lists one entry per model family at its undated name ({@code gpt-4o},
 * {@code claude-sonnet-4-5}); SDKs and routers send pinned and prefixed ids. The names to
 * try, in order, stopping at the first the catalog has:
 * <ol>
 * <li>the name as given (an operator may price a dated snapshot on its own);</li>
 * <li>without a router or provider prefix: everything up to the last {@code /}
 * ({@code openai/gpt-4o}, {@code openrouter/anthropic/claude-sonnet-4-5});</li>
 * <li>that, without a release suffix: a date ({@code -2024-08-06}, {@code -20250929},
 * {@code @20250929}), {@code -latest}, and a Bedrock version ({@code -v1:0}) after
 * either.</li>
 * </ol>
 * No other guessing: a name that matches none of these is unknown, so a new model is
 * never silently charged at some other model's price.
 */
public final class ModelNames {

	private static final Pattern RELEASE_SUFFIX = Pattern
		.compile("(?:[-@](?:\\d{4}-\\d{2}-\\d{2}|\\d{8})|-latest)(?:-v\\d+(?::\\d+)?)?$");

	private ModelNames() {
	}

	/**
	 * Whether an allowed-models entry admits {@code model}: it is one of the names the
	 * catalog would look {@code model} up by. So {@code gpt-4o} admits
	 * {@code gpt-4o-2024-08-06} and {@code openai/gpt-4o}, while a dated entry admits
	 * that snapshot only, and an entry never admits a model it is merely a prefix of.
	 */
	public static boolean allows(String allowed, String model) {
		return candidates(model).contains(allowed);
	}

	/**
	 * The catalog names to look up for {@code model}, most specific first, without
	 * repeats.
	 */
	static List<String> candidates(String model) {
		List<String> names = new ArrayList<>(3);
		names.add(model);
		String bare = model.substring(model.lastIndexOf('/') + 1);
		if (!bare.isEmpty() && !bare.equals(model)) {
			names.add(bare);
		}
		String undated = RELEASE_SUFFIX.matcher(bare).replaceFirst("");
		if (!undated.isEmpty() && !undated.equals(bare)) {
			names.add(undated);
		}
		return names;
	}

}
