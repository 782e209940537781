package dev.budgetledger.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenApi31To30Tests {

	@Test
	void aNullableTypeArrayBecomesNullable() {
		String spec = OpenApi31To30.downgrade("""
				openapi: 3.1.0
				info: { title: t, version: '1', summary: s, license: { name: MIT, identifier: MIT } }
				paths: {}
				components:
				  schemas:
				    Page: { type: object, properties: { next: { type: [string, 'null'] } } }
				""");

		assertThat(spec).contains("openapi: 3.0.3", "nullable: true").doesNotContain("'null'", "identifier", "summary");
	}

	@Test
	void aTypeArrayWithoutA30SpellingIsRefused() {
		assertThatThrownBy(() -> OpenApi31To30.downgrade("""
				openapi: 3.1.0
				info: { title: t, version: '1' }
				paths: {}
				components:
				  schemas:
				    Either: { type: [string, integer] }
				""")).isInstanceOf(IllegalStateException.class).hasMessageContaining("Either");
	}

	@Test
	void anAllOfOfObjectsBecomesOneObjectAndNarrowsAnOverriddenEnum() {
		String spec = OpenApi31To30.downgrade(
				"""
						openapi: 3.1.0
						info: { title: t, version: '1' }
						paths: {}
						components:
						  schemas:
						    Code: { type: string, enum: [A, B] }
						    Base: { type: object, required: [code], properties: { code: { $ref: '#/components/schemas/Code' } } }
						    Special:
						      allOf:
						        - $ref: '#/components/schemas/Base'
						        - type: object
						          required: [extra]
						          properties: { code: { type: string, enum: [B] }, extra: { type: string } }
						""");

		String special = spec.substring(spec.indexOf("Special:"));
		assertThat(special).doesNotContain("allOf").contains("- code", "- extra", "- B").doesNotContain("- A");
	}

	@Test
	void theDocumentSecurityIsSpelledOutOnEveryOperation() {
		String spec = OpenApi31To30.downgrade("""
				openapi: 3.1.0
				info: { title: t, version: '1' }
				security: [{ key: [] }]
				paths:
				  /a: { get: { responses: { '200': { description: ok } } } }
				""");

		assertThat(spec.substring(spec.indexOf("/a:"))).contains("security:");
	}

}
