package dev.budgetledger.shared;

import java.util.List;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A page of items; {@code nextCursor} is null on the last page. Public: API keys and the
 * audit log page alike.
 */
public record PageResponse<T>(List<T> items, @Nullable String nextCursor) {

	/**
	 * Builds a page from {@code limit + 1} fetched rows: the extra row only tells that
	 * there is more.
	 */
	public static <S, T> PageResponse<T> of(List<S> fetched, int limit, Function<S, T> mapper,
			Function<S, Object> position) {
		boolean more = fetched.size() > limit;
		List<S> page = more ? fetched.subList(0, limit) : fetched;
		String next = more ? Cursors.encode(position.apply(page.get(page.size() - 1))) : null;
		return new PageResponse<>(page.stream().map(mapper).toList(), next);
	}

}
