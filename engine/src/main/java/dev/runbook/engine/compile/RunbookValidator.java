package dev.runbook.engine.compile;

import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.schema.DocumentSchema;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.RunbookSpec;
import java.util.Optional;

/**
 * Every check that needs only the runbook itself: schema, parameters, step rules, expressions and
 * their references, SQL guards, ownership. All problems are collected in one pass.
 */
public final class RunbookValidator {
  private RunbookValidator() {}

  public static Validation<ValidatedRunbook> validate(LoadedDocument document) {
    Diagnostics diagnostics = new Diagnostics();
    Reporter reporter = new Reporter(document, diagnostics);
    diagnostics.addAll(DocumentSchema.RUNBOOK.validate(document));
    RunbookSpec spec = RunbookSpec.from(document);
    TemplateIndex templates = TemplateIndex.of(document.tree(), reporter);
    new ParamRules(spec, reporter).check();
    new EnvironmentOrderRules(spec, reporter).check();
    new StepRules(spec, templates, reporter).check();
    new ReferenceRules(spec, templates, reporter).check();
    new SqlRules(spec, templates, reporter).check();
    new OwnershipRules(spec, templates, reporter).check();
    if (!diagnostics.isEmpty()) {
      return new Validation<>(Optional.empty(), diagnostics.sorted());
    }
    return new Validation<>(Optional.of(new ValidatedRunbook(spec)), diagnostics.sorted());
  }
}
