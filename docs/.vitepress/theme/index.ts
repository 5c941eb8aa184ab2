import type { Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import ScoreInBrowser from "./components/ScoreInBrowser.vue";
import SideBySide from "./components/SideBySide.vue";
import SimulateFeedback from "./components/SimulateFeedback.vue";
import "./style.css";

/** The default theme plus the live examples, registered as global components for the Markdown pages. */
const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("ScoreInBrowser", ScoreInBrowser);
    app.component("SideBySide", SideBySide);
    app.component("SimulateFeedback", SimulateFeedback);
  },
};
export default theme;
