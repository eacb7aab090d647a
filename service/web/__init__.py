"""The review page's files (static/): served by the review API's function, on AWS and on the local stack."""
