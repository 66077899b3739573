// Live sums on the scorecard template editor: each weight group shows whether it adds up
// to 100 as the admin types. The server checks again on save; this is only a guide.
(function () {
  const form = document.getElementById("template-editor");
  if (!form) return;

  const value = (input) => {
    const number = parseFloat(input && input.value);
    return Number.isFinite(number) ? number : 0;
  };
  const byName = (name) => form.querySelector(`[name="${name}"]`);

  function itemWeights(prefix, itemField) {
    return Array.from(form.querySelectorAll(`tr[data-item-row="${prefix}"]`)).map((row) => {
      const removed = row.querySelector('input[name$="-DELETE"]');
      const item = row.querySelector(`select[name$="-${itemField}"]`);
      if ((removed && removed.checked) || !item || !item.value) return 0;
      return value(row.querySelector('input[name$="-weight"]'));
    });
  }

  const groups = {
    sections: () => [value(byName("settings-kpi_section_weight")), value(byName("settings-competency_section_weight"))],
    sources: () => ["self", "leader", "peer"].map((s) => value(byName(`settings-${s}_weight`))),
    kpis: () => itemWeights("kpis", "kpi"),
    competencies: () => itemWeights("competencies", "competency"),
    quotas: () => Array.from(form.querySelectorAll('input[name^="grades-"][name$="-quota"]')).map(value),
  };

  function refresh() {
    form.querySelectorAll("[data-sum]").forEach((badge) => {
      const sum = Math.round(groups[badge.dataset.sum]().reduce((a, b) => a + b, 0) * 100) / 100;
      const ok = sum === 100;
      badge.textContent = (ok ? badge.dataset.okText : badge.dataset.badText).replace("%(sum)s", sum);
      badge.classList.toggle("text-bg-success", ok);
      badge.classList.toggle("text-bg-danger", !ok);
    });
    const quotas = form.querySelector('[data-sum="quotas"]');
    const mode = byName("settings-grading_mode");
    if (quotas && mode) quotas.parentElement.hidden = mode.value !== "forced";
  }

  form.querySelectorAll("[data-add-row]").forEach((button) => {
    button.addEventListener("click", () => {
      const prefix = button.dataset.addRow;
      const total = byName(`${prefix}-TOTAL_FORMS`);
      const template = document.getElementById(`${prefix}-empty-row`);
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      form.querySelector(`tr[data-item-row="${prefix}"]`).parentElement.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const rows = form.querySelectorAll(`tr[data-item-row="${prefix}"]`);
      const first = rows[rows.length - 1].querySelector("select, input");
      if (first) first.focus();
      refresh();
    });
  });

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
