// The need form's place picker: once a compound or grid is chosen, the building
// list shows only the buildings inside it. Without this file every building is
// listed (grouped by compound) and the server checks the pair.
(function () {
  "use strict";

  function filterBuildings(compound, building) {
    var chosen = compound.options[compound.selectedIndex];
    var path = chosen ? chosen.getAttribute("data-path") : null;
    var groups = building.getElementsByTagName("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var inside = !path || groups[i].getAttribute("data-path").indexOf(path) === 0;
      groups[i].hidden = !inside;
      groups[i].disabled = !inside;
    }
    var selected = building.options[building.selectedIndex];
    if (selected && selected.parentNode.disabled) {
      building.value = "";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var compound = document.getElementById("need-compound");
    var building = document.getElementById("need-building");
    if (!compound || !building) {
      return;
    }
    compound.addEventListener("change", function () { filterBuildings(compound, building); });
    filterBuildings(compound, building);
  });
})();
