// The recipes tab: what one menu item is made of (a burger: a bun, 150 g of patty at 90 % yield, 20 g of
// sauce). A sale takes each ingredient; a cancel puts it back. An empty recipe: the item is stocked itself.
import { h, clear } from "/static/js/shared/dom.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, productPicker, qty, refused, table } from "./ui.js";

export function recipesTab(root) {
  const view = h("section", { class: "card" });
  const picker = productPicker((product) => open(product), { label: t("Menu item"), stockable: false });
  root.append(h("div", { class: "inv-narrow" }, picker.element), view);

  async function open(product) {
    const result = await http.get(`/api/v1/inventory/recipes/${product.id}`);
    if (!result.ok) return refused(result);
    edit(product, result.data);
  }

  function edit(product, recipe) {
    clear(view);
    const lines = [];
    const rows = h("div", { class: "inv-lines" });
    function addLine(ingredient, amount = "", yieldPct = "100") {
      const i = lines.length;
      const amountInput = input(`lines[${i}].qty`, { inputmode: "decimal", value: amount });
      const yieldInput = input(`lines[${i}].yield_pct`, { inputmode: "decimal", value: yieldPct });
      const row = h(
        "fieldset",
        { class: "inv-line" },
        h("legend", { text: ingredient.name }),
        field(t("Quantity ({unit})", { unit: ingredient.base_unit }), amountInput),
        field(t("Yield %"), yieldInput),
      );
      const line = { ingredient, amountInput, yieldInput };
      row.append(button(t("Remove"), () => (lines.splice(lines.indexOf(line), 1), row.remove()), "ghost"));
      lines.push(line);
      rows.append(row);
      amountInput.focus();
    }
    for (const line of recipe.lines) addLine({ id: line.ingredient_id, name: line.name, base_unit: line.base_unit }, line.qty, line.yield_pct);
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            const result = await http.put(`/api/v1/inventory/recipes/${product.id}`, {
              lines: lines.map((x) => ({ ingredient_id: x.ingredient.id, qty: x.amountInput.value.trim(), yield_pct: x.yieldInput.value.trim() || "100" })),
            });
            if (!result.ok) return refused(result, form);
            toast.ok(t("Recipe saved: the next sale takes these ingredients."));
            edit(product, result.data);
          },
        },
      },
      h("h2", { text: t("Recipe of {name}", { name: recipe.name }) }),
      recipe.lines.length
        ? table(
            [t("Ingredient"), num(t("Per item")), num(t("Yield %")), num(t("Taken per sale"))],
            recipe.lines.map((x) => [x.name, num(qty(x.qty, x.base_unit)), num(x.yield_pct), num(qty(x.gross_qty, x.base_unit))]),
            { caption: t("Recipe") },
          )
        : h("p", { class: "hint", text: t("No recipe: this item is stocked itself.") }),
      h("h3", { text: t("Ingredients") }),
      productPicker((ingredient) => addLine(ingredient), { label: t("Add an ingredient") }).element,
      rows,
      h("button", { class: "btn btn-primary", text: t("Save recipe"), attrs: { type: "submit" } }),
    );
    view.append(form);
  }

  setTimeout(() => picker.focus(), 0);
  return {};
}
