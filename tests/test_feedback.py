"""The feedback exporter renders the page nbconvert's HTMLExporter would, without re-parsing it."""
import base64

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from autograder.pipeline.feedback import FeedbackExporter

# A 1x1 PNG, as a plot's output would carry one.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


def notebook():
    code = nbformat.v4.new_code_cell("def rnn_step(x, h):\n    return np.tanh(x @ W + h @ U)  # <b>not bold</b>")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="h = [0.1 0.2]\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue="h is wrong",
                                           traceback=["AssertionError: h is wrong"])]
    markdown = nbformat.v4.new_markdown_cell("The update is $h_t = \\tanh(W x_t + U h_{t-1})$.")
    return nbformat.v4.new_notebook(cells=[markdown, code])


def test_same_page_as_nbconverts_html_exporter():
    same_notebook = notebook()
    ours, _ = FeedbackExporter(template_name="classic").from_notebook_node(same_notebook)
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(same_notebook)
    assert str(BeautifulSoup(ours, "html.parser")) == theirs


def test_images_get_nbconverts_placeholder_alt_text():
    page, _ = FeedbackExporter(template_name="classic").from_notebook_node(notebook())
    images = BeautifulSoup(page, "html.parser").find_all("img")
    assert images and all(img["alt"] == "No description has been provided for this image" for img in images)
